/**
 * Google OAuth access tokens for Vertex AI, from the credentials LiteLLM reads:
 * `litellm_params.vertex_credentials` (a path to a credentials JSON file, or the JSON itself), else
 * `GOOGLE_APPLICATION_CREDENTIALS`, else the metadata server of the machine (GCE, GKE Workload
 * Identity, Cloud Run: `GCE_METADATA_HOST` names another).
 *
 * - A service account key (`"type": "service_account"`): a JWT signed with its private key
 *   (RS256, jose) exchanged at its `token_uri` (the OAuth 2.0 JWT bearer grant).
 * - A user's application-default credentials (`"type": "authorized_user"`, from `gcloud auth
 *   application-default login`): its refresh token exchanged at Google's token endpoint.
 *
 * The scope is `cloud-platform`. Tokens are kept until 5 minutes before they expire
 * (shared/renewing-tokens.ts). google-auth-library does this too, but its current major needs
 * Node 22 and its token endpoint is fixed; this is the part of it Vertex calls need.
 */
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT } from 'jose';
import type { Deployment } from '../../contracts/deployment.js';
import { RenewingTokens, requestAccessToken, type IssuedToken } from '../shared/renewing-tokens.js';
import { ProviderError } from '../types.js';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const METADATA_HOST = 'metadata.google.internal';

/** A credentials file, as Google writes them. */
export interface GoogleCredentials {
  type?: string;
  project_id?: string;
  private_key_id?: string;
  private_key?: string;
  client_email?: string;
  token_uri?: string;
  client_id?: string;
  client_secret?: string;
  refresh_token?: string;
  quota_project_id?: string;
}

export class GoogleTokens {
  private readonly tokens: RenewingTokens;
  /** Credentials read from files, by path (a file is read once). */
  private readonly files = new Map<string, Promise<GoogleCredentials>>();

  constructor(now: () => number = Date.now) {
    this.tokens = new RenewingTokens(now);
  }

  /** The credentials of a deployment; `undefined` means the metadata server's. */
  async credentialsOf(d: Deployment): Promise<GoogleCredentials | undefined> {
    const given = d.connection.vertex_credentials;
    if (given !== undefined && given !== null && given !== '') {
      if (typeof given === 'object') return given as GoogleCredentials;
      const text = String(given).trim();
      if (text.startsWith('{')) return parseCredentials(text, 'vertex_credentials', d);
      return this.file(text, d);
    }
    const path = d.connection.google_application_credentials;
    if (typeof path === 'string' && path !== '') return this.file(path, d);
    return undefined;
  }

  /** `Bearer <token>` for a deployment's credentials. */
  async authorization(d: Deployment): Promise<string> {
    const credentials = await this.credentialsOf(d);
    if (credentials === undefined) {
      const host = metadataHost(d);
      return `Bearer ${await this.tokens.get(`metadata:${host}`, () => metadataToken(host))}`;
    }
    if (credentials.type === 'authorized_user') {
      const id = `user:${credentials.client_id}:${credentials.refresh_token}`;
      return `Bearer ${await this.tokens.get(id, () => refreshToken(credentials, d))}`;
    }
    if (credentials.type === 'service_account' || credentials.type === undefined) {
      const id = `sa:${credentials.client_email}:${credentials.private_key_id}`;
      return `Bearer ${await this.tokens.get(id, () => serviceAccountToken(credentials, d))}`;
    }
    throw new ProviderError(
      'auth',
      `Vertex AI model ${d.modelName}: credentials of type "${credentials.type}" are not supported; use a service account key or application-default credentials`,
      { status: 401 },
    );
  }

  private file(path: string, d: Deployment): Promise<GoogleCredentials> {
    let read = this.files.get(path);
    if (!read) {
      read = readFile(path, 'utf8').then(
        (text) => parseCredentials(text, path, d),
        (error: unknown) => {
          this.files.delete(path);
          throw new ProviderError(
            'auth',
            `Vertex AI model ${d.modelName}: cannot read the credentials file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
            { status: 401 },
          );
        },
      );
      this.files.set(path, read);
    }
    return read;
  }
}

function parseCredentials(text: string, where: string, d: Deployment): GoogleCredentials {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as GoogleCredentials;
    }
  } catch {
    // Described below.
  }
  throw new ProviderError(
    'auth',
    `Vertex AI model ${d.modelName}: ${where} is not a Google credentials JSON object`,
    { status: 401 },
  );
}

async function serviceAccountToken(c: GoogleCredentials, d: Deployment): Promise<IssuedToken> {
  if (!c.client_email || !c.private_key) {
    throw new ProviderError(
      'auth',
      `Vertex AI model ${d.modelName}: the service account credentials need client_email and private_key`,
      { status: 401 },
    );
  }
  const tokenUri = c.token_uri || GOOGLE_TOKEN_URI;
  let key: Awaited<ReturnType<typeof importPKCS8>>;
  try {
    key = await importPKCS8(c.private_key, 'RS256');
  } catch {
    throw new ProviderError(
      'auth',
      `Vertex AI model ${d.modelName}: the service account's private_key is not a PEM private key`,
      { status: 401 },
    );
  }
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
    .setProtectedHeader({
      alg: 'RS256',
      typ: 'JWT',
      ...(c.private_key_id && { kid: c.private_key_id }),
    })
    .setIssuer(c.client_email)
    .setAudience(tokenUri)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
  return exchange(tokenUri, {
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion,
  });
}

function refreshToken(c: GoogleCredentials, d: Deployment): Promise<IssuedToken> {
  if (!c.client_id || !c.client_secret || !c.refresh_token) {
    throw new ProviderError(
      'auth',
      `Vertex AI model ${d.modelName}: the authorized_user credentials need client_id, client_secret and refresh_token`,
      { status: 401 },
    );
  }
  return exchange(c.token_uri || GOOGLE_TOKEN_URI, {
    grant_type: 'refresh_token',
    client_id: c.client_id,
    client_secret: c.client_secret,
    refresh_token: c.refresh_token,
  });
}

function metadataHost(d: Deployment): string {
  const host = d.connection.gce_metadata_host;
  return typeof host === 'string' && host !== '' ? host : METADATA_HOST;
}

function metadataToken(host: string): Promise<IssuedToken> {
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token?scopes=${encodeURIComponent(CLOUD_PLATFORM_SCOPE)}`;
  return tokenRequest(url, { headers: { 'metadata-flavor': 'Google' } }, 'the metadata server');
}

function exchange(tokenUri: string, form: Record<string, string>): Promise<IssuedToken> {
  return tokenRequest(
    tokenUri,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    },
    tokenUri,
  );
}

function tokenRequest(url: string, init: RequestInit, what: string): Promise<IssuedToken> {
  return requestAccessToken(url, init, {
    issuer: 'Google',
    where: what,
    hint:
      what === 'the metadata server'
        ? 'outside Google Cloud, give vertex_credentials or GOOGLE_APPLICATION_CREDENTIALS'
        : undefined,
    // Google's own words (`invalid_grant: Invalid JWT Signature.`), never the credentials.
    reason: (body) =>
      typeof body.error === 'string'
        ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}`
        : undefined,
  });
}
