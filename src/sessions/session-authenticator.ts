/**
 * Resolves the `tollgate_session` cookie into the caller, for requests that carry no key: the
 * authenticator calls it only when no key header is present, so key traffic never pays for it.
 * The user row is read on every request, so a role change or a deleted user applies at once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelDirectory } from '../auth/model-access.js';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { SessionRecord } from '../store/session-repository.js';
import type { UserRepository } from '../store/user-repository.js';
import { sessionIdOf } from './session-cookies.js';
import { createAdminSessionPrincipal, createUserSessionPrincipal } from './session-principal.js';
import type { SessionService } from './session-service.js';

/** Undefined when the request has no session cookie (the caller then has no credential). */
export type SessionAuthenticator = (headers: IncomingHttpHeaders) => Promise<Principal> | undefined;

export interface SessionAuthDeps {
  sessions: SessionService;
  users: Pick<UserRepository, 'findById'>;
  directory: ModelDirectory;
  /** The master key's principal: what the UI admin acts as. */
  master: Principal;
  /** The current admin credentials' tag; an admin session made with others is void. */
  adminCredentialTag?: string;
}

export function createSessionAuthenticator(deps: SessionAuthDeps): SessionAuthenticator {
  return (headers) => {
    const id = sessionIdOf(headers);
    return id === undefined ? undefined : resolveSession(deps, id);
  };
}

/** The caller of a live session; throws 401 when the session is unknown, expired or void. */
export async function resolveSession(deps: SessionAuthDeps, id: string): Promise<Principal> {
  const record = await deps.sessions.find(id).catch((error: unknown) => {
    throw new GatewayError(
      'service_unavailable',
      'Service Unavailable, the authentication database is temporarily unreachable. Please retry shortly.',
      { cause: error },
    );
  });
  const principal = record && (await principalOf(deps, record));
  if (!principal) throw sessionEnded();
  return principal;
}

async function principalOf(
  deps: SessionAuthDeps,
  record: SessionRecord,
): Promise<Principal | undefined> {
  if (record.kind === 'ui_admin') {
    if (
      deps.adminCredentialTag === undefined ||
      record.credential_tag !== deps.adminCredentialTag
    ) {
      await deps.sessions.endById(record.id_hash);
      return undefined;
    }
    return createAdminSessionPrincipal(deps.master, record);
  }
  const user = await deps.users.findById(record.user_id);
  if (!user) {
    await deps.sessions.endById(record.id_hash);
    return undefined;
  }
  return createUserSessionPrincipal(user, deps.directory, record);
}

export function sessionEnded(): GatewayError {
  return new GatewayError(
    'invalid_api_key',
    'Authentication Error, the session has expired or was ended. Sign in again.',
  );
}
