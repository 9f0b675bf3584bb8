/**
 * Verifies an AWS SigV4 signature the way AWS does: recompute it from the received request with
 * the real signing library and compare. Returns the AWS exception to answer with, or undefined
 * when the request is authentic.
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RecordedRequest } from './simulator-server.js';

export interface AwsIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Required `x-amz-security-token` when the identity is a temporary one. */
  sessionToken?: string;
}

export interface AwsAuthFailure {
  type: string;
  message: string;
}

const AUTH_HEADER =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** AWS refuses signatures older (or newer) than this. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export async function checkSigV4(
  req: RecordedRequest,
  identity: AwsIdentity,
  service: string,
): Promise<AwsAuthFailure | undefined> {
  const authorization = header(req, 'authorization');
  if (!authorization)
    return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const match = AUTH_HEADER.exec(authorization);
  if (!match) {
    return {
      type: 'IncompleteSignatureException',
      message: `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${authorization}`,
    };
  }
  const [, accessKeyId, , region, signedService, signedHeaderList = '', signature] = match;
  const token = header(req, 'x-amz-security-token');
  if (accessKeyId !== identity.accessKeyId || token !== identity.sessionToken) {
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (region !== identity.region || signedService !== service) {
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service ('${identity.region}', '${service}').`,
    };
  }
  const amzDate = header(req, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || Math.abs(Date.now() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return {
      type: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is now earlier than the allowed window.`,
    };
  }
  const contentHash = header(req, 'x-amz-content-sha256');
  if (contentHash && contentHash !== createHash('sha256').update(req.rawBody).digest('hex')) {
    return {
      type: 'InvalidSignatureException',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  }
  const signedNames = signedHeaderList.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = header(req, name) ?? '';
  const query: Record<string, string> = {};
  for (const [key, value] of req.query) query[key] = value;
  const signer = new SignatureV4({
    service,
    region: identity.region,
    credentials: { ...identity, sessionToken: token },
    sha256: Sha256,
    // Only a signed x-amz-content-sha256 takes part; never add one the client did not sign.
    applyChecksum: signedNames.includes('x-amz-content-sha256'),
  });
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query,
      headers,
      body: req.rawBody,
    },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]+)/.exec(
    String(expected.headers.authorization),
  )?.[1];
  if (expectedSignature !== signature) {
    return {
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return undefined;
}

function header(req: RecordedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [year = 0, month = 1, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}
