/**
 * Verifies a JWT against the identity provider's published keys (JWKS), with `jose`: the key
 * sets are fetched on first use, cached, and fetched again when a token names a key id they do
 * not hold (rotation), at most once per cooldown. Only asymmetric algorithms are accepted, so a
 * public key can never be used as an HMAC secret, and `alg: none` never verifies. Every refusal
 * is a 401 that says what was wrong.
 */
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { GatewayError } from '../errors/gateway-error.js';

/** Asymmetric JWS algorithms only; never HS* (the key set is public) and never `none`. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export interface JwtVerifierSettings {
  publicKeyUrls: readonly URL[];
  audience?: string;
  issuer?: string;
  /** How long a fetched key set is trusted (`public_key_ttl`). */
  cacheMaxAgeMs: number;
  /** Least time between two fetches of one key set for unknown key ids (jose's default 30 s). */
  cooldownMs?: number;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  clockToleranceSec?: number;
  /** The current time, for `exp` and `nbf` (epoch ms). */
  now?: () => number;
}

export type JwtVerifier = (token: string) => Promise<JWTPayload>;

/** Three base64url parts separated by dots: what is tried as a JWT. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

type Jose = typeof import('jose');

let loadingJose: Promise<Jose> | undefined;

/** `jose` is loaded by the first JWT presented: a gateway without JWT auth never loads it. */
function loadJose(): Promise<Jose> {
  return (loadingJose ??= import('jose'));
}

export function createJwtVerifier(settings: JwtVerifierSettings): JwtVerifier {
  let keySets: JWTVerifyGetKey[] | undefined;
  const now = settings.now ?? Date.now;
  return async (token) => {
    const jose = await loadJose();
    const { errors, jwtVerify } = jose;
    keySets ??= settings.publicKeyUrls.map((url) =>
      jose.createRemoteJWKSet(url, {
        cacheMaxAge: settings.cacheMaxAgeMs,
        cooldownDuration: settings.cooldownMs ?? 30_000,
        timeoutDuration: 5_000,
      }),
    );
    const alg = headerAlgorithm(jose, token);
    if (alg === 'none') throw refusal('unsigned tokens (alg: none) are not accepted');
    if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      throw refusal(`algorithm ${alg} is not accepted; accepted: ${JWT_ALGORITHMS.join(', ')}`);
    }
    let lastError: unknown;
    for (const keySet of keySets) {
      try {
        const { payload } = await jwtVerify(token, keySet, {
          algorithms: [...JWT_ALGORITHMS],
          issuer: settings.issuer,
          audience: settings.audience,
          clockTolerance: settings.clockToleranceSec ?? 0,
          currentDate: new Date(now()),
        });
        return payload;
      } catch (error: unknown) {
        // Another key set may hold the key; any other failure is final.
        if (!(error instanceof errors.JWKSNoMatchingKey)) throw explain(jose, error);
        lastError = error;
      }
    }
    throw explain(jose, lastError);
  };
}

function headerAlgorithm(jose: Jose, token: string): string {
  try {
    const { alg } = jose.decodeProtectedHeader(token);
    if (typeof alg === 'string') return alg;
  } catch {
    // reported below
  }
  throw refusal('the token is not a well-formed JWT');
}

function refusal(reason: string, cause?: unknown): GatewayError {
  return new GatewayError('invalid_api_key', `Authentication Error, invalid JWT: ${reason}.`, {
    cause,
  });
}

/** jose's error as a refusal the caller can act on. */
function explain({ errors }: Jose, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof errors.JWTExpired) return refusal('the token has expired (exp)', error);
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Record<string, string> = {
      nbf: 'the token is not valid yet (nbf)',
      iss: 'wrong issuer (iss)',
      aud: 'wrong audience (aud)',
      iat: 'the token was issued in the future (iat)',
    };
    return refusal(reasons[error.claim] ?? `claim ${error.claim} is not valid`, error);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return refusal('no key of JWT_PUBLIC_KEY_URL matches its key id (kid)', error);
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return refusal('several keys match its key id (kid); the token must name one', error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refusal('the signature does not match (tampered, or signed with another key)', error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return refusal('its algorithm is not accepted', error);
  }
  // A key set that cannot be fetched or read (jose says ERR_JOSE_GENERIC for a non-200 answer).
  const unreachable =
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.code === 'ERR_JOSE_GENERIC';
  if (!unreachable) return refusal('the token is not valid', error);
  return new GatewayError(
    'service_unavailable',
    'Service Unavailable, the identity provider keys (JWT_PUBLIC_KEY_URL) cannot be fetched. Please retry shortly.',
    { cause: error },
  );
}
