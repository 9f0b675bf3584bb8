/**
 * What a sign-in in progress must remember between leaving for the identity provider and coming
 * back: the state, the nonce and the PKCE verifier, and whether it is a debug sign-in. Kept in a
 * short-lived HttpOnly cookie scoped to `/sso`, so any replica can finish a sign-in another one
 * started; it is single-use (cleared by the callback).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

export const PENDING_COOKIE = 'tollgate_sso';
/** How long the user may take at the identity provider. */
const PENDING_SECONDS = 600;

const PendingSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  verifier: z.string().min(1),
  debug: z.boolean(),
});
export type PendingSignIn = z.infer<typeof PendingSchema>;

/** The value is base64url (nothing to encode); Lax, because the provider's redirect back is a
 * top-level GET navigation, which carries Lax cookies. */
function setCookie(value: string, maxAge: number, secure: boolean): string {
  return [
    `${PENDING_COOKIE}=${value}`,
    'Path=/sso',
    `Max-Age=${maxAge}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function pendingCookie(pending: PendingSignIn, secure: boolean): string {
  const value = Buffer.from(JSON.stringify(pending)).toString('base64url');
  return setCookie(value, PENDING_SECONDS, secure);
}

export function clearedPendingCookie(secure: boolean): string {
  return setCookie('', 0, secure);
}

/** The sign-in this browser started, if its cookie is there and well-formed. */
export function pendingOf(headers: IncomingHttpHeaders): PendingSignIn | undefined {
  const header = headers.cookie;
  if (header === undefined || !header.includes(PENDING_COOKIE)) return undefined;
  const value = header
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${PENDING_COOKIE}=`))
    ?.slice(PENDING_COOKIE.length + 1);
  if (!value) return undefined;
  try {
    const parsed = PendingSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
