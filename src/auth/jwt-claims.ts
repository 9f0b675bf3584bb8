/**
 * Reading a verified token's claims the way LiteLLM does: field names may be dotted paths into
 * nested objects (`resource_access.my-client.roles`); lists may come as arrays or as one string.
 */
import type { JWTPayload } from 'jose';

/** The value at a dotted path, or undefined. Own properties only: `__proto__` finds nothing. */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim as one non-empty string (numbers are accepted as ids), or undefined. */
export function stringClaim(payload: JWTPayload, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const value = claimAt(payload, path);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A claim as a list of non-empty strings: an array, or one string (space-separated for scopes). */
export function listClaim(payload: JWTPayload, path: string | undefined): string[] {
  if (path === undefined) return [];
  const value = claimAt(payload, path);
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The OAuth scopes of a token: `scope` (space-separated) or `scp` (a list, as Entra sends it). */
export function scopesOf(payload: JWTPayload): string[] {
  const scope = payload.scope;
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  return listClaim(payload, 'scp')
    .flatMap((s) => s.split(' '))
    .filter((s) => s !== '');
}
