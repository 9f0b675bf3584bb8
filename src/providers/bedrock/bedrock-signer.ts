/**
 * AWS settings of a Bedrock deployment and SigV4 signing of its requests. The config loader has
 * already filled the settings from AWS_* env variables; credentials still missing are looked up
 * in the AWS SDK's default chain (profiles, web identity, container and instance metadata).
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
 */
export class AwsCredentialSource {
  private readonly providers = new Map<string, CredentialProvider>();

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
    if (setting('aws_role_name')) {
      throw new ProviderError(
        'bad_request',
        `Bedrock model ${d.modelName}: aws_role_name is not supported; put the role in an AWS profile (role_arn and source_profile in ~/.aws/config) and name it with aws_profile_name`,
        { status: 400 },
      );
    }
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
      return { accessKeyId, secretAccessKey, sessionToken: setting('aws_session_token'), region };
    }
    const profile = setting('aws_profile_name');
    try {
      const credentials = await (await this.providerFor(profile))();
      return { ...credentials, region };
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
