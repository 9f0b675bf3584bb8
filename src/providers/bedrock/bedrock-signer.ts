/**
 * AWS settings of a Bedrock deployment and SigV4 signing of its requests. The config loader has
 * already filled the settings from AWS_* env variables; what is still missing here is missing
 * everywhere, so the error names the setting to add.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';

export interface AwsSettings {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

const SIGNING_SERVICE = 'bedrock';

export function readAwsSettings(d: Deployment): AwsSettings {
  const setting = (key: string) => {
    const value = d.connection[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const region = setting('aws_region_name');
  if (!region) {
    throw new ProviderError(
      'bad_request',
      `Bedrock needs aws_region_name (or the AWS_REGION_NAME / AWS_REGION env variable) for model ${d.modelName}`,
      { status: 400 },
    );
  }
  const accessKeyId = setting('aws_access_key_id');
  const secretAccessKey = setting('aws_secret_access_key');
  for (const [name, value] of [
    ['aws_access_key_id', accessKeyId],
    ['aws_secret_access_key', secretAccessKey],
  ] as const) {
    if (!value) {
      throw new ProviderError(
        'auth',
        `Bedrock needs ${name} (or the ${name.toUpperCase()} env variable) for model ${d.modelName}`,
        { status: 401 },
      );
    }
  }
  return {
    accessKeyId: accessKeyId as string,
    secretAccessKey: secretAccessKey as string,
    sessionToken: setting('aws_session_token'),
    region,
  };
}

/**
 * Signs a POST with SigV4 and returns the headers to send, `authorization` and `host` included.
 * The URL path must already be percent-encoded the way it goes on the wire.
 */
export async function signBedrockRequest(
  url: string,
  body: string,
  headers: Record<string, string>,
  aws: AwsSettings,
): Promise<Record<string, string>> {
  // Loaded by the first Bedrock call: a gateway without Bedrock deployments never loads them.
  const [{ Sha256 }, { SignatureV4 }] = await Promise.all([
    import('@aws-crypto/sha256-js'),
    import('@smithy/signature-v4'),
  ]);
  const target = new URL(url);
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region: aws.region,
    credentials: {
      accessKeyId: aws.accessKeyId,
      secretAccessKey: aws.secretAccessKey,
      sessionToken: aws.sessionToken,
    },
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of target.searchParams) query[key] = value;
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port === '' ? undefined : Number(target.port),
    path: target.pathname,
    query,
    // `host` is signed, so it must be the exact value the HTTP client will send.
    headers: { ...headers, host: target.host },
    body,
  });
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(signed.headers)) out[key] = String(value);
  return out;
}
