/**
 * The caller behind a session cookie: for a user, its stored role and its own model list (no
 * key, no team: the UI acts as the person); for the UI admin, the master key's principal. Either
 * carries the session, so state-changing requests can be held to its CSRF token.
 */
import { compileModelRule, type ModelDirectory } from '../auth/model-access.js';
import { toProxyRole, type Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { SessionRecord } from '../store/session-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import { pythonList } from '../util/python-list.js';

export function sessionOf(record: SessionRecord): NonNullable<Principal['session']> {
  return Object.freeze({
    idHash: record.id_hash,
    csrfToken: record.csrf_token,
    expiresAt: record.expires_at,
  });
}

export function createAdminSessionPrincipal(master: Principal, record: SessionRecord): Principal {
  return Object.freeze({ ...master, session: sessionOf(record) });
}

export function createUserSessionPrincipal(
  user: UserRecord,
  directory: ModelDirectory,
  record: SessionRecord,
): Principal {
  const rule = compileModelRule(user.models, directory);
  return Object.freeze({
    kind: 'session',
    role: toProxyRole(user.user_role),
    userId: user.user_id,
    user: Object.freeze(user),
    session: sessionOf(record),
    allowedRoutes: Object.freeze([]),
    canUseModel: rule.allows,
    modelAccessError: (model: string) =>
      new GatewayError(
        'user_model_access_denied',
        `User not allowed to access model. User=${user.user_id}, Model=${model}. Allowed user models = ${pythonList(user.models)}`,
        { param: 'model' },
      ),
    resolveModelAlias: (model: string) => model,
  } satisfies Principal);
}
