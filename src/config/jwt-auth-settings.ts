/**
 * JWT auth for API calls (`general_settings.enable_jwt_auth`, `general_settings.litellm_jwtauth`)
 * with LiteLLM's field names and defaults, and the identity provider's keys and claims from the
 * environment: `JWT_PUBLIC_KEY_URL` (JWKS URLs, comma-separated), `JWT_AUDIENCE`, `JWT_ISSUER`.
 */
import { z } from 'zod';

const ProxyRoleSchema = z.enum([
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
]);

/** `litellm_jwtauth`: which claims name the caller, its teams and its role. */
export const LitellmJwtAuthSchema = z.looseObject({
  admin_jwt_scope: z.string().min(1).default('litellm_proxy_admin'),
  admin_allowed_routes: z
    .array(z.string())
    .default([
      'management_routes',
      'spend_tracking_routes',
      'global_spend_tracking_routes',
      'info_routes',
    ]),
  team_id_jwt_field: z.string().min(1).optional(),
  team_ids_jwt_field: z.string().min(1).optional(),
  team_id_default: z.string().min(1).optional(),
  team_id_upsert: z.boolean().default(false),
  team_allowed_routes: z.array(z.string()).default(['openai_routes', 'info_routes']),
  user_id_jwt_field: z.string().min(1).optional(),
  user_email_jwt_field: z.string().min(1).optional(),
  user_allowed_email_domain: z.string().min(1).optional(),
  user_id_upsert: z.boolean().default(false),
  user_roles_jwt_field: z.string().min(1).optional(),
  user_allowed_roles: z.array(z.string()).optional(),
  end_user_id_jwt_field: z.string().min(1).optional(),
  /** Seconds a fetched JWKS is trusted before it is fetched again. */
  public_key_ttl: z.number().positive().default(600),
  enforce_team_based_model_access: z.boolean().default(false),
  roles_jwt_field: z.string().min(1).optional(),
  role_mappings: z
    .array(
      z.object({
        role: z.string().min(1),
        internal_role: z.enum(['proxy_admin', 'internal_user', 'team']),
      }),
    )
    .optional(),
  jwt_litellm_role_map: z
    .array(z.object({ jwt_role: z.string().min(1), litellm_role: ProxyRoleSchema }))
    .optional(),
  sync_user_role_and_teams: z.boolean().default(false),
});

export type LitellmJwtAuth = z.infer<typeof LitellmJwtAuthSchema>;

/** Fields of `litellm_jwtauth` LiteLLM knows and Tollgate accepts without acting on them. */
export const JWT_FIELDS_NOT_ACTED_ON = [
  'org_id_jwt_field',
  'object_id_jwt_field',
  'scope_mappings',
  'enforce_scope_based_access',
  'enforce_rbac',
  'custom_validate',
  'public_allowed_routes',
  'team_jwt_scope',
  'upsert_sso_user_to_team',
] as const;

export interface JwtAuthSettings {
  /** JWKS URLs; a token's key is looked for in each, in order. */
  publicKeyUrls: URL[];
  /** `JWT_AUDIENCE`; `aud` is not checked without it (as in LiteLLM). */
  audience?: string;
  /** `JWT_ISSUER`; `iss` is not checked without it. */
  issuer?: string;
  fields: LitellmJwtAuth;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `litellm_jwtauth` with its defaults (SSO reads its `team_ids_jwt_field` too), and the JWT auth
 * settings when `enable_jwt_auth` is on. `raw` is the config's `litellm_jwtauth`, if any.
 */
export function buildJwtAuthSettings(
  enabled: boolean | undefined,
  raw: unknown,
  env: Env,
  problems: string[],
): { fields: LitellmJwtAuth; auth?: JwtAuthSettings } {
  const parsed = LitellmJwtAuthSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = ['general_settings', 'litellm_jwtauth', ...issue.path].join('.');
      problems.push(`${path}: ${issue.message}`);
    }
    return { fields: LitellmJwtAuthSchema.parse({}) };
  }
  const fields = parsed.data;
  if ((fields.user_roles_jwt_field === undefined) !== (fields.user_allowed_roles === undefined)) {
    problems.push(
      'general_settings.litellm_jwtauth.user_allowed_roles: must be provided if user_roles_jwt_field is set (and the other way round)',
    );
  }
  if (enabled !== true) return { fields };
  const urls = (env.JWT_PUBLIC_KEY_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) {
    problems.push(
      'JWT_PUBLIC_KEY_URL: must be set (the JWKS URL of your identity provider) when general_settings.enable_jwt_auth is true',
    );
  }
  const publicKeyUrls: URL[] = [];
  for (const text of urls) {
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (url && (url.protocol === 'https:' || url.protocol === 'http:')) publicKeyUrls.push(url);
    else problems.push(`JWT_PUBLIC_KEY_URL: "${text}" is not an http:// or https:// URL`);
  }
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    fields,
    auth: { publicKeyUrls, audience: set('JWT_AUDIENCE'), issuer: set('JWT_ISSUER'), fields },
  };
}
