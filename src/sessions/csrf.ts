/**
 * CSRF protection of cookie-authenticated requests: a state-changing request whose caller came in
 * with a session cookie must repeat the session's CSRF token in `x-csrf-token`. A page on another
 * site can make the browser send the cookie, but cannot read the token. Key callers are exempt:
 * a browser never adds a key header on its own.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkCsrf(
  principal: Principal,
  request: { method: string; headers: IncomingHttpHeaders },
): void {
  const session = principal.session;
  if (!session || SAFE_METHODS.has(request.method)) return;
  const given = request.headers[CSRF_HEADER];
  const token = Array.isArray(given) ? given[0] : given;
  if (token === undefined || !sameSecret(token, session.csrfToken)) {
    throw new GatewayError('forbidden', 'CSRF token missing or invalid', { param: CSRF_HEADER });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
