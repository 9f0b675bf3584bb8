/**
 * The two cookies of a web UI session: `tollgate_session` (the session id; HttpOnly, SameSite=Lax
 * so links into the UI keep the user signed in) and `tollgate_csrf` (the CSRF token the page
 * echoes in `x-csrf-token`; readable by script, SameSite=Strict).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';

export const SESSION_COOKIE = 'tollgate_session';
export const CSRF_COOKIE = 'tollgate_csrf';

/** The session id the request's cookies carry, if any. */
export function sessionIdOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined;
  const value = fastifyCookie.parse(header)[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}

/** Whether the browser reached the gateway over https (directly or through a TLS proxy). */
export function cameOverHttps(request: {
  protocol: string;
  headers: IncomingHttpHeaders;
}): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return request.protocol === 'https' || first?.toLowerCase() === 'https';
}

/** `Set-Cookie` values that start a session. */
export function sessionCookies(
  session: { id: string; csrfToken: string; expiresAt: string },
  secure: boolean,
): string[] {
  const expires = new Date(session.expiresAt);
  return [
    fastifyCookie.serialize(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure,
      expires,
    }),
    fastifyCookie.serialize(CSRF_COOKIE, session.csrfToken, {
      httpOnly: false,
      sameSite: 'strict',
      path: '/',
      secure,
      expires,
    }),
  ];
}

/** `Set-Cookie` values that remove both cookies. */
export function clearedCookies(secure: boolean): string[] {
  const gone = new Date(0);
  return [
    fastifyCookie.serialize(SESSION_COOKIE, '', {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure,
      expires: gone,
    }),
    fastifyCookie.serialize(CSRF_COOKIE, '', {
      sameSite: 'strict',
      path: '/',
      secure,
      expires: gone,
    }),
  ];
}
