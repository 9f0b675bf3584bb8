/**
 * Access tokens an upstream issues for a while (Entra ID, Google OAuth): one per credential, asked
 * for again 5 minutes before it expires (half-way through a shorter-lived one). Concurrent calls
 * share one token request; a failed one is not kept, so the next call asks again.
 */
import { ProviderError } from '../types.js';

/** A token is renewed this long before it expires, or half-way for one that lives less than twice that. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface IssuedToken<T = string> {
  token: T;
  /** Seconds it is valid for, as the issuer says. */
  expiresInS: number;
}

interface Cached<T> {
  token?: T;
  /** When the token is asked for again. */
  renewAt: number;
  pending?: Promise<T>;
}

/** Tokens (or any credentials that expire: AWS's temporary keys) by credential id. */
export class RenewingTokens<T = string> {
  private readonly cache = new Map<string, Cached<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The token of credential `id`, from the cache or from `request`. */
  get(id: string, request: () => Promise<IssuedToken<T>>): Promise<T> {
    let entry = this.cache.get(id);
    if (!entry) {
      entry = { renewAt: 0 };
      this.cache.set(id, entry);
    }
    if (entry.token !== undefined && this.now() < entry.renewAt) {
      return Promise.resolve(entry.token);
    }
    const cached = entry;
    cached.pending ??= request()
      .then(({ token, expiresInS }) => {
        const lifetimeMs = expiresInS * 1000;
        cached.token = token;
        cached.renewAt = this.now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 2);
        return token;
      })
      .finally(() => {
        cached.pending = undefined;
      });
    return cached.pending;
  }
}

/** Give up on a token endpoint after this long: the call fails as an authentication error. */
const TOKEN_TIMEOUT_MS = 10_000;

export interface TokenEndpoint {
  /** Who issues the token, as the errors name it (`Azure Entra ID`, `Google`). */
  issuer: string;
  /** Where the request goes, as the errors name it (never a secret). */
  where: string;
  /** Said after a failed request: what to set instead. */
  hint?: string;
  /** The issuer's own reason for a refusal, from its error body. */
  reason: (body: Record<string, unknown>) => string | undefined;
}

/**
 * Asks a token endpoint for an access token (`{access_token, expires_in}`, or App Service's
 * `expires_on`); a request that fails or is refused is the call's `401`, with the issuer's
 * reason and never the credentials.
 */
export async function requestAccessToken(
  url: string | URL,
  init: RequestInit,
  endpoint: TokenEndpoint,
): Promise<IssuedToken> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) });
  } catch (error: unknown) {
    throw new ProviderError(
      'auth',
      `${endpoint.issuer} token request to ${endpoint.where} failed: ${error instanceof Error ? error.message : String(error)}${endpoint.hint ? ` (${endpoint.hint})` : ''}`,
      { status: 401 },
    );
  }
  let json: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(await response.text()) as unknown;
    if (parsed && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // Described below by the status.
  }
  const token = json.access_token;
  if (!response.ok || typeof token !== 'string' || token === '') {
    const reason = endpoint.reason(json) ?? `status ${response.status}`;
    throw new ProviderError('auth', `${endpoint.issuer} refused the token request: ${reason}`, {
      status: 401,
    });
  }
  // Most say how long (`expires_in`, a number or its text); App Service says until when.
  const expiresIn = Number(json.expires_in);
  const expiresOn = Number(json.expires_on);
  const seconds =
    Number.isFinite(expiresIn) && expiresIn > 0
      ? expiresIn
      : Number.isFinite(expiresOn) && expiresOn > 0
        ? expiresOn - Math.floor(Date.now() / 1000)
        : 3600;
  return { token, expiresInS: Math.max(seconds, 1) };
}
