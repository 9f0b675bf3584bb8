/**
 * AWS settings of a Bedrock deployment and SigV4 signing of its requests. The config loader has
 * already filled the settings from AWS_* env variables; credentials still missing are looked up
 * in the AWS SDK's default chain (profiles, web identity, container and instance metadata).
 */
import type { Deployment } from '../../contracts/deployment.js';
import { RenewingTokens, type IssuedToken } from '../shared/renewing-tokens.js';
import { ProviderError } from '../types.js';

export interface AwsSettings {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

const SIGNING_SERVICE = 'bedrock';

type AwsKeys = Omit<AwsSettings, 'region'>;

/** The role's temporary keys, from STS, with how long they last. */
async function assumeRole(options: {
  role: string;
  session: string;
  endpoint: string | undefined;
  region: string;
  source: AwsKeys;
  model: string;
}): Promise<IssuedToken<AwsKeys>> {
  // Loaded by the first Bedrock call that assumes a role.
  const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  try {
    const credentials = await fromTemporaryCredentials({
      params: { RoleArn: options.role, RoleSessionName: options.session },
      masterCredentials: options.source,
      clientConfig: {
        region: options.region,
        ...(options.endpoint && { endpoint: options.endpoint }),
      },
    })();
    const expiresAt = credentials.expiration?.getTime() ?? Date.now() + 3600_000;
    return {
      token: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      expiresInS: Math.max(1, (expiresAt - Date.now()) / 1000),
    };
  } catch (error: unknown) {
    // STS's own words (`User: ... is not authorized to perform: sts:AssumeRole on resource: ...`).
    throw new ProviderError(
      'auth',
      `Bedrock model ${options.model}: assuming the role ${options.role} failed: ${error instanceof Error ? error.message : String(error)}`,
      { status: 401 },
    );
  }
}

/** An AWS credentials provider of the SDK: memoized, refreshed before its credentials expire. */
type CredentialProvider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}>;

/**
 * Where a Bedrock deployment's AWS credentials come from: its own keys (`aws_access_key_id`,
 * `aws_secret_access_key`, filled from AWS_* env variables by the config loader); else the AWS
 * SDK's default chain for its `aws_profile_name`, or for the default profile: the shared
 * credentials and config files (profiles with `role_arn` and `source_profile` included), web
 * identity (EKS service accounts), SSO, the ECS container and EC2 instance metadata. One provider
 * per profile, kept for the process: the SDK caches and refreshes what it finds.
 *
 * With `aws_role_name` (a role ARN, as LiteLLM names it) those credentials are only the source:
 * the gateway assumes the role with STS (`AssumeRole`, session `aws_session_name`, at
 * `aws_sts_endpoint` or the region's STS) and signs with the role's temporary keys, asked for
 * again 5 minutes before they expire.
 */
export class AwsCredentialSource {
  private readonly providers = new Map<string, CredentialProvider>();
  private readonly roles = new RenewingTokens<AwsKeys>();

  async settingsFor(d: Deployment): Promise<AwsSettings> {
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
    const source = await this.sourceKeys(d, setting);
    const role = setting('aws_role_name');
    if (!role) return { ...source, region };
    const session = setting('aws_session_name') ?? 'tollgate';
    const endpoint = setting('aws_sts_endpoint');
    const id = JSON.stringify([role, session, endpoint, source.accessKeyId]);
    const keys = await this.roles.get(id, () =>
      assumeRole({ role, session, endpoint, region, source, model: d.modelName }),
    );
    return { ...keys, region };
  }

  /** The keys the deployment signs with, or assumes its role with. */
  private async sourceKeys(
    d: Deployment,
    setting: (key: string) => string | undefined,
  ): Promise<AwsKeys> {
    const accessKeyId = setting('aws_access_key_id');
    const secretAccessKey = setting('aws_secret_access_key');
    if (accessKeyId || secretAccessKey) {
      if (!accessKeyId || !secretAccessKey) {
        const missing = accessKeyId ? 'aws_secret_access_key' : 'aws_access_key_id';
        throw new ProviderError(
          'auth',
          `Bedrock needs ${missing} (or the ${missing.toUpperCase()} env variable) for model ${d.modelName}`,
          { status: 401 },
        );
      }
      return { accessKeyId, secretAccessKey, sessionToken: setting('aws_session_token') };
    }
    const profile = setting('aws_profile_name');
    try {
      const {
        accessKeyId: id,
        secretAccessKey: secret,
        sessionToken,
      } = await (await this.providerFor(profile))();
      return { accessKeyId: id, secretAccessKey: secret, sessionToken };
    } catch (error: unknown) {
      throw new ProviderError(
        'auth',
        `Bedrock found no AWS credentials for model ${d.modelName} ${profile ? `in profile "${profile}"` : 'in the default chain'}: ${error instanceof Error ? error.message : String(error)}. Set aws_access_key_id and aws_secret_access_key, or aws_profile_name`,
        { status: 401 },
      );
    }
  }

  private async providerFor(profile: string | undefined): Promise<CredentialProvider> {
    const id = profile ?? '';
    let provider = this.providers.get(id);
    if (!provider) {
      // Loaded by the first Bedrock call without keys of its own.
      const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
      provider = defaultProvider(profile === undefined ? {} : { profile });
      this.providers.set(id, provider);
    }
    return provider;
  }
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
