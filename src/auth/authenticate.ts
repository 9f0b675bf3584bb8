/**
 * Turns the request's key into a Principal: the master key (constant-time comparison of SHA-256
 * digests, so neither the master key's content nor its length shows in the timing),
 * open access when no master key is configured, or a virtual key found through the cache (the
 * store only on a miss). Refusals carry LiteLLM's messages.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import type { SessionAuthenticator } from '../sessions/session-authenticator.js';
import type { AuthRequest, CustomAuthResolver } from './custom-auth.js';
import { extractApiKey } from './extract-api-key.js';
import type { JwtAuthenticator } from './jwt-authenticator.js';
import { looksLikeJwt } from './jwt-verifier.js';
import { createMasterPrincipal, createOpenAccessPrincipal, type Principal } from './principal.js';
import { PrincipalCache } from './principal-cache.js';
import type { KeyResolver, ResolvedKey } from './virtual-key-resolver.js';

export interface AuthSettings {
  masterKey?: string;
  keyHeaderName?: string;
  /** Finds virtual keys; without one (no database) a virtual key gets LiteLLM's no-db error. */
  resolveKey?: KeyResolver;
  cache?: PrincipalCache;
  now?: () => number;
  /**
   * `general_settings.custom_auth`: replaces the virtual-key lookup (`on`), or is tried first
   * with virtual keys as the fallback (`auto`). The master key works either way.
   */
  customAuth?: { resolve: CustomAuthResolver; mode: 'on' | 'auto' };
  /** `general_settings.enable_jwt_auth`: bearer tokens shaped like a JWT go to the JWKS check. */
  jwt?: JwtAuthenticator;
  /** The web UI's session cookie, tried only when the request carries no key at all. */
  sessions?: SessionAuthenticator;
}

/**
 * Synchronous when the key is the master key or already cached. `request` (url, method, body) is
 * what a custom_auth hook sees besides the headers.
 */
export type Authenticator = (
  headers: IncomingHttpHeaders,
  request?: Omit<AuthRequest, 'headers'>,
) => Principal | Promise<Principal>;

/** The key's SHA-256, hex: how keys are stored and cached. One-shot `hash` is several times
 * cheaper than a `createHash` object for a key-sized input. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** Whether `keyHash` (hex) is the master key's, in constant time. */
type MasterCheck = (keyHash: string) => boolean;

function masterCheck(masterKey: string): MasterCheck {
  const master = Buffer.from(hashKey(masterKey), 'latin1');
  // Both sides are 64 hex characters, so the lengths always match and only the content is
  // compared, by Node's constant-time comparison.
  return (keyHash) => timingSafeEqual(Buffer.from(keyHash, 'latin1'), master);
}

/** `sk-...abcd`: what may appear in messages and logs instead of a key. */
export function abbreviateKey(key: string): string {
  if (key.startsWith('sk-')) return `sk-...${key.slice(-4)}`;
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}****${key.slice(-4)}`;
}

export function createAuthenticator(settings: AuthSettings): Authenticator {
  const builtIn = createBuiltInAuthenticator(settings);
  const custom = settings.customAuth;
  if (!custom) return builtIn;
  const isMaster = settings.masterKey === undefined ? undefined : masterCheck(settings.masterKey);
  return (headers, request) => {
    const found = extractApiKey(headers, settings.keyHeaderName);
    const viaSession = found.kind === 'none' ? settings.sessions?.(headers) : undefined;
    if (viaSession) return viaSession;
    const apiKey = found.kind === 'key' ? found.value : '';
    if (isMaster && apiKey !== '' && isMaster(hashKey(apiKey))) return builtIn(headers, request);
    const asked: AuthRequest = {
      headers,
      url: request?.url ?? '',
      method: request?.method ?? '',
      body: request?.body,
    };
    const resolved = custom.resolve(asked, apiKey);
    if (custom.mode === 'on') return resolved;
    return resolved.catch(() => builtIn(headers, request));
  };
}

function createBuiltInAuthenticator(settings: AuthSettings): Authenticator {
  if (settings.masterKey === undefined) {
    const open = createOpenAccessPrincipal();
    return () => open;
  }
  const isMaster = masterCheck(settings.masterKey);
  const master = createMasterPrincipal(hashKey(settings.masterKey));
  const virtualKeys = settings.resolveKey
    ? virtualKeyLookup(settings.resolveKey, settings.cache ?? new PrincipalCache(), settings.now)
    : undefined;
  return (headers, request) => {
    const found = extractApiKey(headers, settings.keyHeaderName);
    if (found.kind === 'none') {
      const viaSession = settings.sessions?.(headers);
      if (viaSession) return viaSession;
      throw new GatewayError('no_api_key', 'Authentication Error, No api key passed in.');
    }
    if (found.kind === 'malformed') {
      throw new GatewayError(
        'invalid_api_key',
        'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
      );
    }
    const keyHash = hashKey(found.value);
    if (isMaster(keyHash)) return master;
    if (settings.jwt && !found.value.startsWith('sk-') && looksLikeJwt(found.value)) {
      return settings.jwt(found.value, request?.body);
    }
    if (!found.value.startsWith('sk-')) {
      throw new GatewayError(
        'invalid_api_key',
        `Authentication Error, LiteLLM Virtual Key expected. Received=${abbreviateKey(found.value)}, expected to start with 'sk-'.`,
      );
    }
    if (!virtualKeys) throw new GatewayError('no_db_connection', 'No connected db.');
    return virtualKeys(found.value, keyHash);
  };
}

type VirtualKeyLookup = (raw: string, hash: string) => Principal | Promise<Principal>;

function virtualKeyLookup(
  resolveKey: KeyResolver,
  cache: PrincipalCache,
  now: () => number = Date.now,
): VirtualKeyLookup {
  // Concurrent first requests with one key share a single store lookup.
  const inFlight = new Map<string, Promise<Principal | null>>();
  const fetch = (hash: string): Promise<Principal | null> => {
    let pending = inFlight.get(hash);
    if (!pending) {
      pending = resolveKey(hash)
        .then((resolved: ResolvedKey | null) => {
          cache.set(hash, resolved?.principal ?? null, resolved?.validUntil);
          return resolved?.principal ?? null;
        })
        .catch((error: unknown) => {
          throw new GatewayError(
            'service_unavailable',
            'Service Unavailable, the authentication database is temporarily unreachable. Please retry shortly.',
            { cause: error },
          );
        })
        .finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
    }
    return pending;
  };
  return (raw, hash) => {
    const cached = cache.get(hash);
    if (cached === undefined) return fetch(hash).then((p) => admit(p, raw, hash, now()));
    return admit(cached, raw, hash, now());
  };
}

/** Lets a found key in, or refuses it the way LiteLLM does. */
function admit(principal: Principal | null, raw: string, hash: string, now: number): Principal {
  if (principal === null) {
    throw new GatewayError(
      'token_not_found_in_db',
      `Authentication Error, Invalid proxy server token passed. Received API Key = ${abbreviateKey(raw)}, Key Hash (Token) =${hash}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
      { param: 'key' },
    );
  }
  if (principal.key?.blocked) {
    throw new GatewayError(
      'key_blocked',
      "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
    );
  }
  if (principal.team?.blocked) {
    throw new GatewayError(
      'team_blocked',
      `Authentication Error, Team=${principal.team.team_id} is blocked. Update via \`/team/unblock\` if you're an admin.`,
    );
  }
  if (principal.expiresAt !== undefined && principal.expiresAt < now) {
    throw new GatewayError(
      'expired_key',
      `Authentication Error - Expired Key. Key Expiry time ${principal.key?.expires} and current time ${new Date(now).toISOString()}`,
      { param: abbreviateKey(raw) },
    );
  }
  return principal;
}
