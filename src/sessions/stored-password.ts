/**
 * Checks a password against what a user row stores: Tollgate's scrypt hashes, and the forms a
 * LiteLLM database holds (its SHA-256 `hash_token` of the password, or older plain text), so that
 * imported users can sign in. The caller re-hashes legacy forms with scrypt after a success.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '../admin/password-hash.js';

export type PasswordCheck = 'ok' | 'ok_legacy' | 'wrong';

/** `stored` null or empty (no password set) is always wrong. */
export async function checkStoredPassword(
  password: string,
  stored: string | null | undefined,
): Promise<PasswordCheck> {
  if (stored === null || stored === undefined || stored === '') return 'wrong';
  if (stored.startsWith('scrypt$')) {
    return (await verifyPassword(password, stored)) ? 'ok' : 'wrong';
  }
  const sha256 = createHash('sha256').update(password).digest('hex');
  return sameText(sha256, stored) || sameText(password, stored) ? 'ok_legacy' : 'wrong';
}

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
