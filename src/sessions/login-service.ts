/**
 * Sign-in with a user name and password: the UI admin (`UI_USERNAME` / `UI_PASSWORD`, or the
 * master key), or a user by email (any case) or id with the password stored on its row. Every
 * failure gets the same message; failures are throttled per IP address and per user name.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword } from '../admin/password-hash.js';
import { MASTER_USER_ID } from '../auth/principal.js';
import type { UiAuthSettings } from '../config/ui-auth-settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { CredentialRepository } from '../store/credential-repository.js';
import type { UserRepository } from '../store/user-repository.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionService, StartedSession } from './session-service.js';
import { sessionView, type SessionView } from './session-view.js';
import { checkStoredPassword } from './stored-password.js';

export interface LoginDeps {
  settings: Pick<UiAuthSettings, 'adminUsername' | 'adminPassword'>;
  credentials: Pick<CredentialRepository, 'findByLogin'>;
  users: Pick<UserRepository, 'findById' | 'setPasswordHash'>;
  sessions: SessionService;
  throttle: LoginThrottle;
}

export interface LoginAttempt {
  username: string;
  password: string;
  /** The client's address, for the throttle. */
  ip: string;
}

export interface SignedIn {
  started: StartedSession;
  view: SessionView;
}

/** Ties admin sessions to the credentials they were opened with: new ones void them. */
export function adminCredentialTag(
  settings: Pick<UiAuthSettings, 'adminUsername' | 'adminPassword'>,
): string | undefined {
  if (settings.adminPassword === undefined) return undefined;
  return createHash('sha256')
    .update(`tollgate-ui-admin\u0000${settings.adminUsername}\u0000${settings.adminPassword}`)
    .digest('hex');
}

export class LoginService {
  /** Verified when no user matches, so that unknown names take as long as wrong passwords. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: LoginDeps) {}

  async login(attempt: LoginAttempt): Promise<SignedIn> {
    const keys = [`ip:${attempt.ip}`, `user:${attempt.username.trim().toLowerCase()}`];
    const wait = this.deps.throttle.retryAfter(keys);
    if (wait !== undefined) {
      throw new GatewayError(
        'rate_limit',
        `Too many failed sign-in attempts. Try again in ${wait} seconds.`,
        { headers: { 'retry-after': String(wait) } },
      );
    }
    const signedIn = (await this.asAdmin(attempt)) ?? (await this.asUser(attempt));
    if (!signedIn) {
      this.deps.throttle.fail(keys);
      throw invalidCredentials();
    }
    return signedIn;
  }

  private async asAdmin(attempt: LoginAttempt): Promise<SignedIn | undefined> {
    const { adminUsername, adminPassword } = this.deps.settings;
    if (adminPassword === undefined || attempt.username !== adminUsername) return undefined;
    if (!sameSecret(attempt.password, adminPassword)) return undefined;
    const started = await this.deps.sessions.start({
      userId: MASTER_USER_ID,
      kind: 'ui_admin',
      credentialTag: adminCredentialTag(this.deps.settings),
    });
    const row = await this.deps.users.findById(MASTER_USER_ID);
    return { started, view: sessionView(started.record, row) };
  }

  private async asUser(attempt: LoginAttempt): Promise<SignedIn | undefined> {
    const username = attempt.username.trim();
    const found = username === '' ? undefined : await this.deps.credentials.findByLogin(username);
    if (!found?.password_hash) {
      this.decoy ??= hashPassword('\u0000no such user\u0000');
      await verifyPassword(attempt.password, await this.decoy);
      return undefined;
    }
    const check = await checkStoredPassword(attempt.password, found.password_hash);
    if (check === 'wrong') return undefined;
    if (check === 'ok_legacy') {
      await this.deps.users.setPasswordHash(found.user_id, await hashPassword(attempt.password));
    }
    const user = await this.deps.users.findById(found.user_id);
    if (!user) return undefined;
    const started = await this.deps.sessions.start({ userId: user.user_id, kind: 'user' });
    return { started, view: sessionView(started.record, user) };
  }
}

export function invalidCredentials(): GatewayError {
  return new GatewayError(
    'invalid_api_key',
    "Invalid credentials used to access UI. Check 'UI_USERNAME', 'UI_PASSWORD' in .env file, or the email and password of your account.",
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
