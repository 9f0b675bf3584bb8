/**
 * Access tokens an upstream issues for a while (Entra ID, Google OAuth): one per credential, asked
 * for again 5 minutes before it expires (half-way through a shorter-lived one). Concurrent calls
 * share one token request; a failed one is not kept, so the next call asks again.
 */

/** A token is renewed this long before it expires, or half-way for one that lives less than twice that. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface IssuedToken {
  token: string;
  /** Seconds it is valid for, as the issuer says. */
  expiresInS: number;
}

interface Cached {
  token?: string;
  /** When the token is asked for again. */
  renewAt: number;
  pending?: Promise<string>;
}

export class RenewingTokens {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The token of credential `id`, from the cache or from `request`. */
  get(id: string, request: () => Promise<IssuedToken>): Promise<string> {
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
