/**
 * Who a verified token says the caller is, read with `litellm_jwtauth`'s field names: the admin
 * scope, the user (id, email), the teams to try in order, the end user, and the role the token's
 * roles map to. Pure: no store, no network; refusals are LiteLLM's 403s.
 */
import type { JWTPayload } from 'jose';
import type { LitellmJwtAuth } from '../config/jwt-auth-settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import { pythonList } from '../util/python-list.js';
import { claimAt, listClaim, scopesOf, stringClaim } from './jwt-claims.js';
import type { ProxyRole } from './principal.js';

export interface JwtIdentity {
  /** The token holds `admin_jwt_scope`, or its roles map to proxy_admin. */
  admin: boolean;
  /** A role the token's roles map to (`jwt_litellm_role_map`, `role_mappings`). */
  role?: ProxyRole;
  userId?: string;
  email?: string;
  /** Teams to try, in order: `team_id_jwt_field`, then `team_ids_jwt_field`, else `team_id_default`. */
  teamIds: string[];
  /** Whether the token carries `team_ids_jwt_field` at all (an empty list is still a list). */
  hasTeamList: boolean;
  endUserId?: string;
}

export function readJwtIdentity(payload: JWTPayload, fields: LitellmJwtAuth): JwtIdentity {
  const roles = listClaim(payload, fields.user_roles_jwt_field ?? fields.roles_jwt_field);
  if (fields.user_roles_jwt_field !== undefined && fields.user_allowed_roles !== undefined) {
    const allowed = fields.user_allowed_roles;
    if (!roles.some((r) => allowed.includes(r))) {
      throw new GatewayError(
        'forbidden',
        `Unmapped user role. User roles=${pythonList(roles)}, allowed roles=${pythonList(allowed)}`,
      );
    }
  }
  const email = stringClaim(payload, fields.user_email_jwt_field);
  const domain = fields.user_allowed_email_domain;
  if (domain !== undefined && (email === undefined || !emailIsIn(email, domain))) {
    throw new GatewayError(
      'forbidden',
      `User email ${email ?? 'None'} is not in the allowed domain ${domain}. Contact your admin.`,
    );
  }
  const role = mappedRole(roles, fields);
  const single = stringClaim(payload, fields.team_id_jwt_field);
  const list = listClaim(payload, fields.team_ids_jwt_field);
  const teamIds = [...new Set([...(single === undefined ? [] : [single]), ...list])];
  if (teamIds.length === 0 && fields.team_id_default !== undefined) {
    teamIds.push(fields.team_id_default);
  }
  return {
    admin: scopesOf(payload).includes(fields.admin_jwt_scope) || role === 'proxy_admin',
    role,
    userId: stringClaim(payload, fields.user_id_jwt_field),
    email,
    teamIds,
    hasTeamList:
      fields.team_ids_jwt_field !== undefined &&
      listClaimPresent(payload, fields.team_ids_jwt_field),
    endUserId: stringClaim(payload, fields.end_user_id_jwt_field),
  };
}

function emailIsIn(email: string, domain: string): boolean {
  return email.toLowerCase().endsWith(`@${domain.toLowerCase().replace(/^@/, '')}`);
}

/** The first mapping whose token role the token holds. */
function mappedRole(roles: readonly string[], fields: LitellmJwtAuth): ProxyRole | undefined {
  for (const entry of fields.jwt_litellm_role_map ?? []) {
    if (roles.includes(entry.jwt_role)) return entry.litellm_role;
  }
  for (const entry of fields.role_mappings ?? []) {
    if (!roles.includes(entry.role)) continue;
    // `team` callers act through their team; as people they are internal users.
    return entry.internal_role === 'proxy_admin' ? 'proxy_admin' : 'internal_user';
  }
  return undefined;
}

function listClaimPresent(payload: JWTPayload, path: string): boolean {
  return claimAt(payload, path) !== undefined;
}
