/**
 * Single sign-on to the web UI (OpenID Connect), from the environment under LiteLLM's names:
 * `GENERIC_CLIENT_ID` / `GENERIC_CLIENT_SECRET` with the provider's endpoints
 * (`GENERIC_AUTHORIZATION_ENDPOINT`, `GENERIC_TOKEN_ENDPOINT`, `GENERIC_USERINFO_ENDPOINT`) or its
 * issuer for discovery (`GENERIC_ISSUER`, or Tollgate's `TOLLGATE_OIDC_ISSUER`); the
 * `GOOGLE_CLIENT_ID` and `MICROSOFT_CLIENT_ID` shortcuts; `PROXY_BASE_URL` for the callback.
 * Also `litellm_settings.default_team_params`, what teams created from a sign-in get.
 */
import { z } from 'zod';

/** `litellm_settings.default_team_params`: settings of teams created from the IdP's groups. */
export const DefaultTeamParamsSchema = z.looseObject({
  models: z.array(z.string()).optional(),
  max_budget: z.number().nonnegative().optional(),
  budget_duration: z.string().optional(),
  tpm_limit: z.number().int().nonnegative().optional(),
  rpm_limit: z.number().int().nonnegative().optional(),
  max_parallel_requests: z.number().int().nonnegative().optional(),
});
export type DefaultTeamParams = z.infer<typeof DefaultTeamParamsSchema>;

/** Which claim of the sign-in carries what (LiteLLM's `GENERIC_USER_*_ATTRIBUTE`). */
export interface SsoClaimNames {
  userId: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  role: string;
}

export interface SsoSettings {
  provider: 'generic' | 'google' | 'microsoft';
  clientId: string;
  clientSecret: string;
  /** The issuer: discovered from when no endpoints are given, checked in the ID token. */
  issuer: string;
  /** Given endpoints (no discovery); undefined = discover from the issuer. */
  endpoints?: { authorization: string; token: string; userinfo?: string; jwks?: string };
  scope: string;
  /** `PROXY_BASE_URL`: the callback is `<base>/sso/callback`; the request's origin when unset. */
  baseUrl?: string;
  claims: SsoClaimNames;
  /** `PROXY_ADMIN_ID`: the user id that signs in as proxy_admin. */
  proxyAdminId?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** LiteLLM's defaults for the generic provider's attribute names. */
const GENERIC_CLAIMS: SsoClaimNames = {
  userId: 'preferred_username',
  email: 'email',
  displayName: 'sub',
  firstName: 'first_name',
  lastName: 'last_name',
  role: 'role',
};

/** Google and Microsoft give stable ids in `sub` / `oid` and standard OIDC names. */
const STANDARD_CLAIMS: SsoClaimNames = {
  userId: 'sub',
  email: 'email',
  displayName: 'name',
  firstName: 'given_name',
  lastName: 'family_name',
  role: 'role',
};

export function buildSsoSettings(env: Env, problems: string[]): SsoSettings | undefined {
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const baseUrl = set('PROXY_BASE_URL')?.replace(/\/+$/, '');
  const proxyAdminId = set('PROXY_ADMIN_ID');
  const secretOf = (idName: string, secretName: string) => {
    const secret = set(secretName);
    if (secret === undefined) {
      problems.push(`${secretName}: must be set when ${idName} is (SSO sign-in)`);
    }
    return secret ?? '';
  };
  const google = set('GOOGLE_CLIENT_ID');
  if (google !== undefined) {
    return {
      provider: 'google',
      clientId: google,
      clientSecret: secretOf('GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'),
      issuer: 'https://accounts.google.com',
      scope: 'openid email profile',
      baseUrl,
      claims: STANDARD_CLAIMS,
      proxyAdminId,
    };
  }
  const microsoft = set('MICROSOFT_CLIENT_ID');
  if (microsoft !== undefined) {
    const tenant = set('MICROSOFT_TENANT') ?? 'common';
    return {
      provider: 'microsoft',
      clientId: microsoft,
      clientSecret: secretOf('MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET'),
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      scope: 'openid email profile',
      baseUrl,
      claims: STANDARD_CLAIMS,
      proxyAdminId,
    };
  }
  const clientId = set('GENERIC_CLIENT_ID');
  if (clientId === undefined) return undefined;
  const clientSecret = secretOf('GENERIC_CLIENT_ID', 'GENERIC_CLIENT_SECRET');
  const url = (name: string) => {
    const value = set(name);
    if (value === undefined) return undefined;
    if (/^https?:\/\//.test(value) && URL.canParse(value)) return value;
    problems.push(`${name}: must be an http:// or https:// URL, got "${value}"`);
    return undefined;
  };
  const authorization = url('GENERIC_AUTHORIZATION_ENDPOINT');
  const token = url('GENERIC_TOKEN_ENDPOINT');
  const issuer = url('GENERIC_ISSUER') ?? url('TOLLGATE_OIDC_ISSUER');
  const claims: SsoClaimNames = {
    userId: set('GENERIC_USER_ID_ATTRIBUTE') ?? GENERIC_CLAIMS.userId,
    email: set('GENERIC_USER_EMAIL_ATTRIBUTE') ?? GENERIC_CLAIMS.email,
    displayName: set('GENERIC_USER_DISPLAY_NAME_ATTRIBUTE') ?? GENERIC_CLAIMS.displayName,
    firstName: set('GENERIC_USER_FIRST_NAME_ATTRIBUTE') ?? GENERIC_CLAIMS.firstName,
    lastName: set('GENERIC_USER_LAST_NAME_ATTRIBUTE') ?? GENERIC_CLAIMS.lastName,
    role: set('GENERIC_USER_ROLE_ATTRIBUTE') ?? GENERIC_CLAIMS.role,
  };
  const scope = set('GENERIC_SCOPE') ?? 'openid email profile';
  if (authorization === undefined && token === undefined) {
    if (issuer === undefined) {
      problems.push(
        'GENERIC_CLIENT_ID: set GENERIC_AUTHORIZATION_ENDPOINT and GENERIC_TOKEN_ENDPOINT, or GENERIC_ISSUER (TOLLGATE_OIDC_ISSUER) for discovery',
      );
      return undefined;
    }
    return {
      provider: 'generic',
      clientId,
      clientSecret,
      issuer,
      scope,
      baseUrl,
      claims,
      proxyAdminId,
    };
  }
  if (authorization === undefined || token === undefined) {
    problems.push(
      'GENERIC_AUTHORIZATION_ENDPOINT, GENERIC_TOKEN_ENDPOINT: both must be set when one is',
    );
    return undefined;
  }
  return {
    provider: 'generic',
    clientId,
    clientSecret,
    // Without GENERIC_ISSUER, the ID token's `iss` is expected to be the provider's origin.
    issuer: issuer ?? new URL(authorization).origin,
    endpoints: {
      authorization,
      token,
      userinfo: url('GENERIC_USERINFO_ENDPOINT'),
      jwks: url('GENERIC_JWKS_ENDPOINT'),
    },
    scope,
    baseUrl,
    claims,
    proxyAdminId,
  };
}
