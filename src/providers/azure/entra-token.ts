/**
 * Microsoft Entra ID (Azure AD) for Azure OpenAI deployments, as LiteLLM configures it:
 * `azure_ad_token` (a token the operator provides), or `tenant_id` + `client_id` +
 * `client_secret` (a service principal): the gateway asks Entra for a token with the OAuth 2.0
 * client-credentials grant (`{authority}/{tenant}/oauth2/v2.0/token`, scope
 * `https://cognitiveservices.azure.com/.default`), sends it as `Authorization: Bearer`, and asks
 * again 5 minutes before it expires (half-way through a shorter-lived one). Concurrent calls share one token request; a failed one is not
 * cached, so the next call asks again.
 *
 * A deployment with none of those and no api-key uses the identity of where the gateway runs, as
 * Azure's DefaultAzureCredential finds it: a service principal in `AZURE_TENANT_ID`,
 * `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`; AKS workload identity (`AZURE_FEDERATED_TOKEN_FILE`: its
 * Kubernetes token is the client assertion, read again for every token request since it rotates);
 * else the managed identity of the VM, App Service or container (`IDENTITY_ENDPOINT` with
 * `IDENTITY_HEADER`, else the instance metadata service, `AZURE_POD_IDENTITY_AUTHORITY_HOST` or
 * 169.254.169.254; `AZURE_CLIENT_ID` picks a user-assigned identity).
 */
import { readFile } from 'node:fs/promises';
import type { Deployment } from '../../contracts/deployment.js';
import { RenewingTokens, requestAccessToken, type IssuedToken } from '../shared/renewing-tokens.js';
import { ProviderError } from '../types.js';

/** Where Entra ID issues tokens, unless `azure_authority_host` or AZURE_AUTHORITY_HOST says. */
export const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** The scope of Azure OpenAI (Cognitive Services) tokens. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';

interface ServicePrincipal {
  authority: string;
  tenantId: string;
  clientId: string;
  /** Its secret, or the file of a federated token that stands for one (workload identity). */
  clientSecret?: string;
  assertionFile?: string;
  scope: string;
}

/** The identity variables of the environment, kept on deployments without credentials. */
export interface AzureIdentityEnv {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  federatedTokenFile?: string;
  authorityHost?: string;
  identityEndpoint?: string;
  identityHeader?: string;
  imdsHost?: string;
}

/** The resource managed identity tokens are for (the scope without `/.default`). */
const AZURE_OPENAI_RESOURCE = 'https://cognitiveservices.azure.com';
const IMDS_HOST = 'http://169.254.169.254';

export class EntraTokens {
  private readonly tokens: RenewingTokens;

  constructor(now: () => number = Date.now) {
    this.tokens = new RenewingTokens(now);
  }

  /** The `Authorization` value of a deployment, or undefined when it authenticates by key. */
  async authorization(d: Deployment): Promise<string | undefined> {
    const fixed = d.connection.azure_ad_token;
    if (typeof fixed === 'string' && fixed !== '') return `Bearer ${fixed}`;
    const principal = servicePrincipalOf(d) ?? (d.apiKey ? undefined : ambientPrincipalOf(d));
    if (!principal) {
      const identity = d.apiKey ? undefined : ambientIdentityOf(d);
      if (!identity) return undefined;
      const id = `managed:${identity.identityEndpoint ?? identity.imdsHost ?? ''}:${identity.clientId ?? ''}`;
      return `Bearer ${await this.tokens.get(id, () => managedIdentityToken(identity))}`;
    }
    const id = JSON.stringify([
      principal.authority,
      principal.tenantId,
      principal.clientId,
      principal.clientSecret,
      principal.scope,
    ]);
    return `Bearer ${await this.tokens.get(id, () => requestToken(principal))}`;
  }
}

function servicePrincipalOf(d: Deployment): ServicePrincipal | undefined {
  const c = d.connection;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const tenantId = text(c.tenant_id);
  const clientId = text(c.client_id);
  const clientSecret = text(c.client_secret);
  if (!tenantId && !clientId && !clientSecret) return undefined;
  if (!tenantId || !clientId || !clientSecret) {
    throw new ProviderError(
      'bad_request',
      `Azure model ${d.modelName}: Entra ID needs tenant_id, client_id and client_secret together`,
      { status: 400 },
    );
  }
  return {
    authority: (text(c.azure_authority_host) ?? ENTRA_AUTHORITY_HOST).replace(/\/+$/, ''),
    tenantId,
    clientId,
    clientSecret,
    scope: text(c.azure_scope) ?? AZURE_OPENAI_SCOPE,
  };
}

function ambientIdentityOf(d: Deployment): AzureIdentityEnv | undefined {
  const identity = d.connection.azure_identity;
  return identity && typeof identity === 'object' ? (identity as AzureIdentityEnv) : undefined;
}

/** A service principal or workload identity named by the environment, if any. */
function ambientPrincipalOf(d: Deployment): ServicePrincipal | undefined {
  const env = ambientIdentityOf(d);
  if (!env?.tenantId || !env.clientId) return undefined;
  if (!env.clientSecret && !env.federatedTokenFile) return undefined;
  return {
    authority: (env.authorityHost ?? ENTRA_AUTHORITY_HOST).replace(/\/+$/, ''),
    tenantId: env.tenantId,
    clientId: env.clientId,
    ...(env.clientSecret
      ? { clientSecret: env.clientSecret }
      : { assertionFile: env.federatedTokenFile }),
    scope:
      typeof d.connection.azure_scope === 'string' && d.connection.azure_scope !== ''
        ? d.connection.azure_scope
        : AZURE_OPENAI_SCOPE,
  };
}

/** A token of the managed identity of the VM, App Service or container the gateway runs in. */
async function managedIdentityToken(env: AzureIdentityEnv): Promise<IssuedToken> {
  const appService = env.identityEndpoint && env.identityHeader;
  const url = new URL(
    appService
      ? env.identityEndpoint!
      : `${env.imdsHost ?? IMDS_HOST}/metadata/identity/oauth2/token`,
  );
  url.searchParams.set('api-version', appService ? '2019-08-01' : '2018-02-01');
  url.searchParams.set('resource', AZURE_OPENAI_RESOURCE);
  if (env.clientId) url.searchParams.set('client_id', env.clientId);
  return requestAccessToken(
    url,
    { headers: appService ? { 'x-identity-header': env.identityHeader! } : { metadata: 'true' } },
    {
      issuer: 'Azure managed identity',
      where: appService ? 'the App Service identity endpoint' : 'the instance metadata service',
      hint: 'outside Azure, give the deployment api_key, or tenant_id, client_id and client_secret',
      reason: (body) =>
        typeof body.error_description === 'string'
          ? body.error_description
          : typeof body.error === 'string'
            ? body.error
            : undefined,
    },
  );
}

async function requestToken(p: ServicePrincipal): Promise<IssuedToken> {
  const url = `${p.authority}/${encodeURIComponent(p.tenantId)}/oauth2/v2.0/token`;
  const credential: Record<string, string> = p.clientSecret
    ? { client_secret: p.clientSecret }
    : {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await readAssertion(p.assertionFile ?? ''),
      };
  return requestAccessToken(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: p.clientId,
        ...credential,
        scope: p.scope,
      }),
    },
    {
      issuer: 'Azure Entra ID',
      where: p.authority,
      // Entra's own words (`AADSTS7000215: Invalid client secret provided...`), never the secret.
      reason: (body) =>
        typeof body.error_description === 'string'
          ? body.error_description.split('\r\n')[0]
          : undefined,
    },
  );
}

/** The workload identity's Kubernetes token, read anew for each token request (it rotates). */
async function readAssertion(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error: unknown) {
    throw new ProviderError(
      'auth',
      `Azure workload identity: cannot read AZURE_FEDERATED_TOKEN_FILE ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { status: 401 },
    );
  }
}
