/**
 * SSO sign-in to the web UI with OpenID Connect: the authorization code flow with PKCE, state
 * and nonce (`openid-client` checks all three, the ID token's issuer, audience and signature,
 * and the userinfo subject). A successful sign-in creates the user the first time (with the
 * defaults for internal users), creates missing teams of its groups (with `default_team_params`),
 * makes its memberships follow the groups, and ends in an ordinary web UI session.
 */
import type { ProxyRole } from '../auth/principal.js';
import type { SsoSettings } from '../config/sso-settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { SessionService, StartedSession } from '../sessions/session-service.js';
import type { UserRecord } from '../store/user-repository.js';
import type { IdentityProvisioner } from './identity-provisioning.js';
import { createOidcClient, loadOpenIdClient, type OidcClient } from './oidc-client.js';
import type { PendingSignIn } from './sso-pending.js';
import { readSsoIdentity, type SsoIdentity } from './sso-identity.js';

export interface SsoServiceDeps {
  settings: SsoSettings;
  client: OidcClient;
  provisioner: IdentityProvisioner;
  sessions: SessionService;
  /** `litellm_jwtauth.team_ids_jwt_field`: the claim with the user's teams. */
  teamIdsField?: string;
}

export interface SignedIn {
  user: UserRecord;
  started: StartedSession;
  teams: string[];
}

/** A new SSO user's role when neither the provider nor the defaults name one (LiteLLM's). */
const NEW_SSO_USER_ROLE: ProxyRole = 'internal_user_viewer';

export class SsoService {
  constructor(private readonly deps: SsoServiceDeps) {}

  /** Where to send the browser, and what to remember until it comes back. */
  async start(redirectUri: string, debug: boolean): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.deps.client.configuration();
    const oidc = await loadOpenIdClient();
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      debug,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.deps.settings.scope,
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /**
   * Exchanges the code the provider sent back (`callbackUrl`: the redirect URI with the
   * provider's query) and returns the claims: the ID token's, with the userinfo answer over them.
   */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<Record<string, unknown>> {
    const config = await this.deps.client.configuration();
    const oidc = await loadOpenIdClient();
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error: unknown) {
      throw signInFailed(error, oidc);
    }
    const idClaims: Record<string, unknown> = { ...tokens.claims() };
    const subject = typeof idClaims.sub === 'string' ? idClaims.sub : undefined;
    if (!config.serverMetadata().userinfo_endpoint || subject === undefined) return idClaims;
    try {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, subject);
      return { ...idClaims, ...info };
    } catch (error: unknown) {
      throw signInFailed(error, oidc);
    }
  }

  /** The identity the claims map to (what /sso/debug/callback shows). */
  identityOf(claims: Readonly<Record<string, unknown>>): SsoIdentity {
    const identity = readSsoIdentity(claims, this.deps.settings.claims, this.deps.teamIdsField);
    if (!identity) {
      throw new GatewayError(
        'invalid_api_key',
        `SSO sign-in failed: the provider sent no user id (claim ${this.deps.settings.claims.userId} or sub).`,
      );
    }
    return identity;
  }

  /** Creates or updates the user and its teams from the claims, and starts its session. */
  async signIn(claims: Readonly<Record<string, unknown>>): Promise<SignedIn> {
    const { provisioner, settings } = this.deps;
    const identity = this.identityOf(claims);
    const role: ProxyRole | undefined =
      settings.proxyAdminId !== undefined && settings.proxyAdminId === identity.userId
        ? 'proxy_admin'
        : identity.role;
    let user = await provisioner.findUser(identity.userId, identity.email);
    if (!user) {
      user = await provisioner.createUser({
        userId: identity.userId,
        email: identity.email,
        alias: identity.alias,
        role,
        fallbackRole: NEW_SSO_USER_ROLE,
        ssoUserId: identity.subject,
      });
    } else if (role !== undefined) {
      user = await provisioner.updateRole(user, role);
    }
    const teams: string[] = [];
    if (identity.teams !== undefined) {
      for (const teamId of identity.teams) {
        const team = await provisioner.team(teamId, true, user.user_id);
        if (team) teams.push(team.team_id);
      }
      await provisioner.syncMemberships(user.user_id, teams);
    }
    const started = await this.deps.sessions.start({ userId: user.user_id, kind: 'user' });
    return { user, started, teams };
  }
}

function signInFailed(error: unknown, oidc: typeof import('openid-client')): GatewayError {
  if (error instanceof GatewayError) return error;
  const described =
    error instanceof oidc.AuthorizationResponseError
      ? (error.error_description ?? error.error)
      : error instanceof Error
        ? error.message
        : String(error);
  return new GatewayError('invalid_api_key', `SSO sign-in failed: ${described}`, {
    cause: error,
  });
}

/** The SSO service, when a provider is configured and there is a database for its users. */
export function createSsoService(options: {
  settings?: SsoSettings;
  provisioner?: IdentityProvisioner;
  sessions?: SessionService;
  teamIdsField?: string;
}): SsoService | undefined {
  const { settings, provisioner, sessions } = options;
  if (!settings || !provisioner || !sessions) return undefined;
  return new SsoService({
    settings,
    client: createOidcClient(settings),
    provisioner,
    sessions,
    teamIdsField: options.teamIdsField,
  });
}
