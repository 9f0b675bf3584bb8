/**
 * Builds the web UI's sign-in parts for the composition root: the session service, the login
 * service with its throttle, and the cookie authenticator the request path consults when a
 * request has no key. Nothing without a database: sessions live there.
 */
import type { ModelDirectory } from '../auth/model-access.js';
import { createMasterPrincipal } from '../auth/principal.js';
import { hashKey } from '../auth/authenticate.js';
import type { UiAuthSettings } from '../config/ui-auth-settings.js';
import type { Store } from '../store/store.js';
import { LoginThrottle } from './login-throttle.js';
import { adminCredentialTag, LoginService } from './login-service.js';
import { createSessionAuthenticator, type SessionAuthenticator } from './session-authenticator.js';
import { SessionService } from './session-service.js';

/** Failed sign-ins allowed per IP address and per user name within the window. */
export const LOGIN_FAILURES_ALLOWED = 10;
export const LOGIN_WINDOW_MS = 5 * 60_000;

export interface WebAuth {
  sessions: SessionService;
  login: LoginService;
  /** Undefined without a master key: then every request is let in anyway. */
  authenticate?: SessionAuthenticator;
}

export function createWebAuth(options: {
  settings: UiAuthSettings;
  store: Store;
  masterKey?: string;
  directory: ModelDirectory;
  now: () => number;
}): WebAuth {
  const { settings, store, masterKey, directory, now } = options;
  const sessions = new SessionService({
    sessions: store.sessions,
    sessionMs: settings.sessionMs,
    now,
  });
  const throttle = new LoginThrottle({
    limit: LOGIN_FAILURES_ALLOWED,
    windowMs: LOGIN_WINDOW_MS,
    now,
  });
  const login = new LoginService({
    settings,
    credentials: store.credentials,
    users: store.users,
    sessions,
    throttle,
  });
  const authenticate =
    masterKey === undefined
      ? undefined
      : createSessionAuthenticator({
          sessions,
          users: store.users,
          directory,
          master: createMasterPrincipal(hashKey(masterKey)),
          adminCredentialTag: adminCredentialTag(settings),
        });
  return { sessions, login, authenticate };
}
