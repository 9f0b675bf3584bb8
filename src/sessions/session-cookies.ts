/**
 * The two cookies of a web UI session: `tollgate_session` (the session id; HttpOnly, SameSite=Lax
 * so links into the UI keep the user signed in) and `tollgate_csrf` (the CSRF token the page
 * echoes in `x-csrf-token`; readable by script, SameSite=Strict).
 */
import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'tollgate_session';
export const CSRF_COOKIE = 'tollgate_csrf';

/** The session id the request's cookies carry, if any. */
export function sessionIdOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.cookie;
  if (header === undefined || !header.includes(SESSION_COOKIE)) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === SESSION_COOKIE) {
      const value = part.slice(at + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
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

interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'Lax' | 'Strict';
  secure: boolean;
  expires: Date;
}

/** One `Set-Cookie` value. Session ids and tokens are base64url: nothing to encode. */
function setCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Expires=${options.expires.toUTCString()}`,
    ...(options.httpOnly ? ['HttpOnly'] : []),
    `SameSite=${options.sameSite}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/** `Set-Cookie` values that start a session. */
export function sessionCookies(
  session: { id: string; csrfToken: string; expiresAt: string },
  secure: boolean,
): string[] {
  const expires = new Date(session.expiresAt);
  return [
    setCookie(SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Lax', secure, expires }),
    setCookie(CSRF_COOKIE, session.csrfToken, {
      httpOnly: false,
      sameSite: 'Strict',
      secure,
      expires,
    }),
  ];
}

/** `Set-Cookie` values that remove both cookies. */
export function clearedCookies(secure: boolean): string[] {
  const expires = new Date(0);
  return [
    setCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'Lax', secure, expires }),
    setCookie(CSRF_COOKIE, '', { httpOnly: false, sameSite: 'Strict', secure, expires }),
  ];
}
