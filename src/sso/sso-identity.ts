/**
 * Who a sign-in says the user is: the id, email and role from the claims LiteLLM's
 * `GENERIC_USER_*_ATTRIBUTE` variables name (the ID token's claims and the userinfo answer
 * together), and the teams from the claim `litellm_jwtauth.team_ids_jwt_field` names.
 */
import { claimAt, listClaim, stringClaim } from '../auth/jwt-claims.js';
import type { ProxyRole } from '../auth/principal.js';
import type { SsoClaimNames } from '../config/sso-settings.js';

export interface SsoIdentity {
  userId: string;
  /** The provider's subject (`sub`), stored as the user's `sso_user_id`. */
  subject: string;
  email?: string;
  alias?: string;
  /** A role the provider sends in the role attribute, when it is one of the proxy roles. */
  role?: ProxyRole;
  /** The teams, when the claims carry the team field at all. */
  teams?: string[];
}

const ROLES: ReadonlySet<string> = new Set([
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
]);

export function readSsoIdentity(
  claims: Readonly<Record<string, unknown>>,
  names: SsoClaimNames,
  teamField: string | undefined,
): SsoIdentity | undefined {
  const subject = stringClaim(claims, 'sub');
  const userId = stringClaim(claims, names.userId) ?? subject;
  if (userId === undefined || subject === undefined) return undefined;
  const role = stringClaim(claims, names.role);
  const first = stringClaim(claims, names.firstName);
  const last = stringClaim(claims, names.lastName);
  const alias =
    first !== undefined || last !== undefined
      ? [first, last].filter((p) => p !== undefined).join(' ')
      : (stringClaim(claims, 'name') ?? stringClaim(claims, names.displayName));
  return {
    userId,
    subject,
    email: stringClaim(claims, names.email),
    alias,
    role: role !== undefined && ROLES.has(role) ? (role as ProxyRole) : undefined,
    teams:
      teamField !== undefined && claimAt(claims, teamField) !== undefined
        ? [...new Set(listClaim(claims, teamField))]
        : undefined,
  };
}
