/**
 * The one route × role table. Every route the gateway serves is listed here with its access
 * class; a route missing from it refuses to register. Each role may use some classes; a virtual
 * key may further be limited to some routes (`allowed_routes`, or what its `key_type` implies).
 * The checks and their messages are LiteLLM's (`auth/route_checks.py`).
 */
import { GatewayError } from '../errors/gateway-error.js';
import { pythonList } from '../util/python-list.js';
import type { Principal, ProxyRole } from './principal.js';

export type RouteAccess =
  /** No key needed: health probes, metrics, the index. */
  | 'public'
  /** LLM API routes: completions, embeddings, messages. */
  | 'llm'
  /** Any valid key: model lists, model health. */
  | 'info'
  /** Reading keys: admins and viewers see all, others their own (checked by the service). */
  | 'key_read'
  /** Creating and changing keys: admins any, internal users their own. */
  | 'key_write'
  /** Proxy admins only. */
  | 'admin'
  /** Read-only admin views (the audit log): proxy admins and proxy admin viewers. */
  | 'admin_read';

export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  '/': 'public',
  '/metrics': 'public',
  '/health/liveliness': 'public',
  '/health/liveness': 'public',
  '/health/readiness': 'public',
  // SSO sign-in (src/sso/sso-routes.ts): the start and the provider's redirect back are public.
  '/sso/key/generate': 'public',
  '/sso/callback': 'public',
  // What the UI's sign-in page offers (whether SSO is configured), read before signing in.
  '/.well-known/litellm-ui-config': 'public',
  // The web UI's files (src/server/ui-routes.ts); the pages sign in and call the API themselves.
  '/ui': 'public',
  '/ui/*': 'public',
  // Web UI sign-in and onboarding (src/sessions, src/admin/invitation-routes.ts): no key needed.
  '/login': 'public',
  '/logout': 'public',
  '/session': 'public',
  '/onboarding/get_token': 'public',
  '/onboarding/claim_token': 'public',

  '/health': 'info',
  // What a call would cost at the gateway's prices (no call made).
  '/spend/calculate': 'info',
  '/v1/models': 'info',
  '/models': 'info',
  '/model/info': 'info',
  '/v1/model/info': 'info',

  '/v1/chat/completions': 'llm',
  '/chat/completions': 'llm',
  '/openai/deployments/:model/chat/completions': 'llm',
  '/v1/completions': 'llm',
  '/completions': 'llm',
  '/openai/deployments/:model/completions': 'llm',
  '/v1/embeddings': 'llm',
  '/embeddings': 'llm',
  '/openai/deployments/:model/embeddings': 'llm',
  '/v1/messages': 'llm',
  '/anthropic/v1/messages': 'llm',
  '/v1/responses': 'llm',
  '/responses': 'llm',
  '/v1/moderations': 'llm',
  '/moderations': 'llm',
  '/v1/images/generations': 'llm',
  '/images/generations': 'llm',
  '/openai/deployments/:model/images/generations': 'llm',
  '/v1/images/edits': 'llm',
  '/images/edits': 'llm',
  '/openai/deployments/:model/images/edits': 'llm',
  '/v1/images/variations': 'llm',
  '/images/variations': 'llm',
  '/openai/deployments/:model/images/variations': 'llm',
  '/v1/rerank': 'llm',
  '/rerank': 'llm',
  '/v2/rerank': 'llm',
  '/v1/audio/speech': 'llm',
  '/audio/speech': 'llm',
  '/openai/deployments/:model/audio/speech': 'llm',
  '/v1/audio/transcriptions': 'llm',
  '/audio/transcriptions': 'llm',
  '/openai/deployments/:model/audio/transcriptions': 'llm',
  '/v1/audio/translations': 'llm',
  '/audio/translations': 'llm',
  '/openai/deployments/:model/audio/translations': 'llm',
  // Stored responses of OpenAI and Azure deployments (src/proxy/stored-responses.ts).
  '/v1/responses/:id': 'llm',
  '/responses/:id': 'llm',
  '/v1/responses/:id/cancel': 'llm',
  '/responses/:id/cancel': 'llm',
  '/v1/responses/:id/input_items': 'llm',
  '/responses/:id/input_items': 'llm',
  // Token counts: free (never metered), for keys that may call the model.
  '/v1/messages/count_tokens': 'llm',
  '/anthropic/v1/messages/count_tokens': 'llm',
  '/v1/responses/input_tokens': 'llm',
  '/responses/input_tokens': 'llm',

  // What the caller may put on a new key (a Tollgate addition for the key form).
  '/key/generate/bounds': 'info',
  '/key/info': 'key_read',
  '/key/list': 'key_read',
  '/key/generate': 'key_write',
  '/key/update': 'key_write',
  '/key/delete': 'key_write',
  '/key/regenerate': 'key_write',
  '/key/:key/regenerate': 'key_write',
  '/v2/key/info': 'key_read',
  '/key/health': 'info',
  '/key/aliases': 'key_read',
  // Proxy admins and the key's team admins: checked again by the KeyService.
  '/key/:key/reset_spend': 'key_write',
  '/key/bulk_update': 'admin',
  '/key/block': 'admin',
  '/key/unblock': 'admin',

  // Users: reads and self-updates are scoped to the caller by the UserService.
  // Organization admins make users in their organizations (UserService).
  '/user/new': 'key_write',
  '/user/info': 'key_read',
  '/v2/user/info': 'key_read',
  '/user/list': 'key_read',
  '/user/update': 'key_write',
  '/user/bulk_update': 'admin',
  '/user/delete': 'admin',

  // Teams: members and settings are managed by proxy admins and the team's admins; organization
  // admins create teams in their organization (TeamService).
  '/team/new': 'key_write',
  '/team/info': 'key_read',
  '/team/list': 'key_read',
  '/team/available': 'key_read',
  '/v2/team/list': 'key_read',
  '/team/update': 'key_write',
  '/team/model/add': 'key_write',
  '/team/model/delete': 'key_write',
  '/team/member_add': 'key_write',
  '/team/bulk_member_add': 'key_write',
  '/team/member_delete': 'key_write',
  '/team/member_update': 'key_write',
  '/team/delete': 'admin',
  '/team/block': 'admin',
  '/team/unblock': 'admin',

  // Organizations: proxy admins create and delete them; their org_admin members manage their
  // members and name (OrganizationService); members read their own, admins and viewers all.
  '/organization/new': 'admin',
  '/organization/delete': 'admin',
  '/organization/info': 'key_read',
  '/organization/list': 'key_read',
  '/organization/update': 'key_write',
  '/organization/member_add': 'key_write',
  '/organization/member_update': 'key_write',
  '/organization/member_delete': 'key_write',

  // Customers (end users) and their /end_user aliases: admins write; admins and viewers read.
  '/customer/new': 'admin',
  '/customer/info': 'key_read',
  '/customer/list': 'key_read',
  '/customer/update': 'admin',
  '/customer/delete': 'admin',
  '/customer/block': 'admin',
  '/customer/unblock': 'admin',
  '/end_user/new': 'admin',
  '/end_user/info': 'key_read',
  '/end_user/list': 'key_read',
  '/end_user/update': 'admin',
  '/end_user/delete': 'admin',
  '/end_user/block': 'admin',
  '/end_user/unblock': 'admin',

  // Shared budgets that customers take with budget_id: proxy admins; admins and viewers read.
  '/budget/new': 'admin',
  '/cache/ping': 'admin',
  '/cache/delete': 'admin',
  '/budget/update': 'admin',
  '/budget/info': 'admin',
  '/budget/delete': 'admin',
  '/budget/list': 'admin_read',
  '/budget/settings': 'admin_read',

  // Tags with a budget: proxy admins change them; admins and viewers read them.
  '/tag/new': 'admin',
  '/tag/update': 'admin',
  '/tag/delete': 'admin',
  '/tag/info': 'admin_read',
  '/tag/list': 'admin_read',

  // SSO debug: what the provider sends, for a signed-in proxy admin setting up the mapping.
  '/sso/debug/login': 'admin',
  '/sso/debug/callback': 'admin',

  // The audit log of admin mutations: admins and viewers read it; nobody writes it by API.
  '/audit/logs': 'admin_read',

  // Spend reports: admins and viewers read all; other callers their own (SpendService).
  '/spend/logs': 'key_read',
  '/user/daily/activity': 'key_read',
  '/team/daily/activity': 'key_read',
  '/spend/logs/ui': 'key_read',
  '/spend/keys': 'key_read',
  '/spend/users': 'key_read',
  '/global/spend': 'key_read',
  '/global/spend/logs': 'key_read',
  '/global/spend/keys': 'key_read',
  '/global/spend/teams': 'key_read',
  '/global/spend/models': 'key_read',
  '/global/spend/end_users': 'key_read',
  '/global/spend/report': 'key_read',
  // Tag totals are not kept per user: admins and viewers only.
  '/spend/tags': 'admin_read',
  '/tag/daily/activity': 'admin_read',
  // What providers have cost in their budget windows: admins and viewers only.
  '/provider/budgets': 'admin_read',
  // The config's guardrails (src/guardrails/guardrail-routes.ts): any valid key, as in LiteLLM.
  '/guardrails/list': 'info',
  '/v2/guardrails/list': 'info',
  '/guardrails/apply_guardrail': 'info',
  '/apply_guardrail': 'info',
  // Master key only: checked again by the SpendService.
  '/global/spend/reset': 'admin',

  // Models stored in the database: proxy admins only.
  '/model/new': 'admin',
  '/model/update': 'admin',
  '/model/:id/update': 'admin',
  '/model/delete': 'admin',

  // Invitation links: proxy admins create and change them; admins and viewers read them.
  '/invitation/new': 'admin',
  '/invitation/update': 'admin',
  '/invitation/delete': 'admin',
  '/invitation/info': 'admin_read',
  '/invitation/list': 'admin_read',
};

type Guarded = Exclude<RouteAccess, 'public'>;

/** What each role may call. */
export const ROLE_ACCESS: Readonly<Record<ProxyRole, ReadonlySet<Guarded>>> = {
  proxy_admin: new Set(['llm', 'info', 'key_read', 'key_write', 'admin', 'admin_read']),
  proxy_admin_viewer: new Set(['info', 'key_read', 'admin_read']),
  internal_user: new Set(['llm', 'info', 'key_read', 'key_write']),
  internal_user_viewer: new Set(['llm', 'info', 'key_read']),
};

/** LiteLLM's route groups, as they may appear in a key's `allowed_routes`. */
const ROUTE_GROUPS: Readonly<Record<string, { classes: readonly Guarded[]; paths?: string[] }>> = {
  llm_api_routes: { classes: ['llm'], paths: ['/v1/models', '/models'] },
  openai_routes: { classes: ['llm'], paths: ['/v1/models', '/models'] },
  anthropic_routes: {
    classes: [],
    paths: [
      '/v1/messages',
      '/anthropic/v1/messages',
      '/v1/messages/count_tokens',
      '/anthropic/v1/messages/count_tokens',
    ],
  },
  info_routes: { classes: ['info', 'key_read'] },
  management_routes: { classes: ['key_read', 'key_write', 'admin', 'admin_read'] },
};

/** The classes of the admin API: what an admin listener serves and the public one may refuse. */
export const ADMIN_ACCESS: ReadonlySet<RouteAccess> = new Set([
  'key_read',
  'key_write',
  'admin',
  'admin_read',
]);

/** The access class of a registered route; undefined when the table does not list it. */
export function routeAccess(url: string): RouteAccess | undefined {
  return Object.hasOwn(ROUTE_ACCESS, url) ? ROUTE_ACCESS[url] : undefined;
}

/** Throws LiteLLM's refusal when `principal` may not call `route` (a table URL) of `access`. */
export function authorizeRoute(principal: Principal, access: Guarded, route: string): void {
  if (
    principal.allowedRoutes.length > 0 &&
    !keyAllowsRoute(principal.allowedRoutes, access, route)
  ) {
    throw new GatewayError(
      'forbidden',
      `Virtual key is not allowed to call this route. Only allowed to call routes: ${pythonList(principal.allowedRoutes)}. Tried to call route: ${route}`,
    );
  }
  const { role } = principal;
  if (ROLE_ACCESS[role].has(access)) return;
  if (role === 'proxy_admin_viewer') {
    throw new GatewayError(
      'forbidden',
      access === 'llm'
        ? `user not allowed to access this OpenAI routes, role= ${role}`
        : `user not allowed to access this route, role= ${role}`,
    );
  }
  throw new GatewayError(
    'route_not_allowed_for_role',
    `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=${role}. Your user_id=${principal.userId ?? 'None'}`,
  );
}

function keyAllowsRoute(allowed: readonly string[], access: Guarded, route: string): boolean {
  return allowed.some((entry) => {
    const group = Object.hasOwn(ROUTE_GROUPS, entry) ? ROUTE_GROUPS[entry] : undefined;
    if (group) return group.classes.includes(access) || (group.paths?.includes(route) ?? false);
    if (entry.endsWith('*')) return route.startsWith(entry.slice(0, -1));
    return entry === route;
  });
}
