/**
 * Who is calling, resolved once per request and immutable afterwards: the master key, open
 * access (no master key configured), or a virtual key joined with its user, team and team
 * membership. Every kind answers the same questions, so the request path never asks which it is.
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import type { KeyModelSpend, KeyRecord } from '../store/key-repository.js';
import type { OrganizationRecord } from '../store/organization-repository.js';
import type { TeamMemberRecord, TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';

export type ProxyRole =
  'proxy_admin' | 'proxy_admin_viewer' | 'internal_user' | 'internal_user_viewer';

/** LiteLLM's `user_id` for the master key and the UI admin. */
export const MASTER_USER_ID = 'default_user_id';

export interface Principal {
  /** `custom_auth`: returned by the operator's hook (general_settings.custom_auth). `session`: a
   * user signed in to the web UI (the UI admin is `master_key` with a session). `jwt`: a token of
   * the identity provider (general_settings.enable_jwt_auth, src/auth/jwt-authenticator.ts). */
  kind: 'master_key' | 'open_access' | 'virtual_key' | 'custom_auth' | 'session' | 'jwt';
  role: ProxyRole;
  /** SHA-256 hex of the key in use (after regeneration, of its current secret). */
  keyHash?: string;
  userId?: string;
  teamId?: string;
  /** The end user the credential itself names (a JWT's `end_user_id_jwt_field`); a request's `user` field wins. */
  endUserId?: string;
  /** The virtual key's stored settings. */
  key?: Readonly<KeyRecord>;
  /** The shared budget the key takes its unset limits from (`budget_id`), when it has one. */
  keyBudget?: Readonly<BudgetRecord>;
  /** The key's stored spend per model of its `model_max_budget`, when it has one, by model. */
  keyModelSpend?: ReadonlyMap<string, Readonly<KeyModelSpend>>;
  user?: Readonly<UserRecord>;
  team?: Readonly<TeamRecord>;
  teamMember?: Readonly<TeamMemberRecord>;
  /** The organization of the key's team, and the budget that holds its limits. */
  organization?: Readonly<OrganizationRecord>;
  organizationBudget?: Readonly<BudgetRecord>;
  /** Epoch ms after which the key is expired. */
  expiresAt?: number;
  /**
   * Spend batches the ledger had committed when the stored spends above were read
   * (`SpendLedger.readStored`): what it wrote after is not in them.
   */
  storedWritten?: number;
  /** The web UI session the caller came with (cookie): its state-changing requests need CSRF. */
  session?: Readonly<{ idHash: string; csrfToken: string; expiresAt: string }>;
  /** Routes the key is limited to (`allowed_routes`, or what its `key_type` implies); empty = any. */
  allowedRoutes: readonly string[];
  /** Whether the caller may use a model (group or name). */
  canUseModel(model: string): boolean;
  /** The refusal for a model `canUseModel` turned down: which list said no, in LiteLLM's words. */
  modelAccessError(model: string): GatewayError;
  /** The model a request for `model` goes to after the key's and the team's aliases. */
  resolveModelAlias(model: string): string;
}

const LEGACY_ROLES: Readonly<Record<string, ProxyRole>> = {
  proxy_admin: 'proxy_admin',
  proxy_admin_viewer: 'proxy_admin_viewer',
  internal_user: 'internal_user',
  internal_user_viewer: 'internal_user_viewer',
  admin: 'proxy_admin',
  app_owner: 'internal_user',
  app_user: 'internal_user',
};

/** A stored role as Tollgate acts on it: legacy names mapped, unknown or missing = internal_user. */
export function toProxyRole(stored: string | null | undefined): ProxyRole {
  return (
    (stored && Object.hasOwn(LEGACY_ROLES, stored) ? LEGACY_ROLES[stored] : undefined) ??
    'internal_user'
  );
}

const unrestricted = {
  allowedRoutes: [] as readonly string[],
  canUseModel: () => true,
  modelAccessError: (model: string) =>
    new GatewayError('key_model_access_denied', `Not allowed to access model=${model}`, {
      param: 'model',
    }),
  resolveModelAlias: (model: string) => model,
};

export function createMasterPrincipal(keyHash: string): Principal {
  return Object.freeze({
    kind: 'master_key',
    role: 'proxy_admin',
    keyHash,
    userId: MASTER_USER_ID,
    ...unrestricted,
  });
}

export function createOpenAccessPrincipal(): Principal {
  return Object.freeze({
    kind: 'open_access',
    role: 'proxy_admin',
    userId: MASTER_USER_ID,
    ...unrestricted,
  });
}
