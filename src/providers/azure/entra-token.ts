/**
 * Microsoft Entra ID (Azure AD) for Azure OpenAI deployments, as LiteLLM configures it:
 * `azure_ad_token` (a token the operator provides), or `tenant_id` + `client_id` +
 * `client_secret` (a service principal): the gateway asks Entra for a token with the OAuth 2.0
 * client-credentials grant (`{authority}/{tenant}/oauth2/v2.0/token`, scope
 * `https://cognitiveservices.azure.com/.default`), sends it as `Authorization: Bearer`, and asks
 * again 5 minutes before it expires (half-way through a shorter-lived one). Concurrent calls share one token request; a failed one is not
 * cached, so the next call asks again.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { RenewingTokens, type IssuedToken } from '../shared/renewing-tokens.js';
import { ProviderError } from '../types.js';

/** Where Entra ID issues tokens, unless `azure_authority_host` or AZURE_AUTHORITY_HOST says. */
export const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';
/** The scope of Azure OpenAI (Cognitive Services) tokens. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** Give up on Entra after this long: the call fails as an authentication error. */
const TOKEN_TIMEOUT_MS = 10_000;

interface ServicePrincipal {
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

export class EntraTokens {
  private readonly tokens: RenewingTokens;

  constructor(now: () => number = Date.now) {
    this.tokens = new RenewingTokens(now);
  }

  /** The `Authorization` value of a deployment, or undefined when it authenticates by key. */
  async authorization(d: Deployment): Promise<string | undefined> {
    const fixed = d.connection.azure_ad_token;
    if (typeof fixed === 'string' && fixed !== '') return `Bearer ${fixed}`;
    const principal = servicePrincipalOf(d);
    if (!principal) return undefined;
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

async function requestToken(p: ServicePrincipal): Promise<IssuedToken> {
  const url = `${p.authority}/${encodeURIComponent(p.tenantId)}/oauth2/v2.0/token`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: p.clientId,
        client_secret: p.clientSecret,
        scope: p.scope,
      }),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error: unknown) {
    throw new ProviderError(
      'auth',
      `Azure Entra ID token request to ${p.authority} failed: ${error instanceof Error ? error.message : String(error)}`,
      { status: 401 },
    );
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Described below by the status.
  }
  const token = json.access_token;
  if (!response.ok || typeof token !== 'string' || token === '') {
    // Entra's own words (`AADSTS7000215: Invalid client secret provided...`), never the secret.
    const reason =
      typeof json.error_description === 'string'
        ? json.error_description.split('\r\n')[0]
        : `status ${response.status}`;
    throw new ProviderError('auth', `Azure Entra ID refused the token request: ${reason}`, {
      status: 401,
    });
  }
  const expiresIn = Number(json.expires_in);
  return { token, expiresInS: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
}
