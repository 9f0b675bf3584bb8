/**
 * How each spec field maps to the admin API, declared as tables: the API field, whether it can
 * only be set at creation (a key's `duration` would renew the expiry if re-sent), and how a
 * desired value is compared with the observed one.
 */
import type { KeyManifest, TeamManifest, UserManifest } from './manifest-schema.js';

export interface FieldRule {
  spec: string;
  api: string;
  createOnly?: boolean;
  /** Spec value → API value (default: unchanged). */
  toApi?: (value: unknown) => unknown;
  /** The gateway keeps the field in the object's `metadata` and shows it there. */
  inMetadata?: boolean;
}

const numbersOf = (value: unknown): unknown =>
  Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, Number(v)]),
  );

export const USER_RULES: readonly FieldRule[] = [
  { spec: 'userEmail', api: 'user_email', createOnly: true },
  { spec: 'userID', api: 'user_id', createOnly: true },
  { spec: 'userAlias', api: 'user_alias' },
  { spec: 'userRole', api: 'user_role' },
  { spec: 'models', api: 'models' },
  { spec: 'maxBudget', api: 'max_budget' },
  { spec: 'budgetDuration', api: 'budget_duration' },
  { spec: 'rpmLimit', api: 'rpm_limit' },
  { spec: 'tpmLimit', api: 'tpm_limit' },
  { spec: 'maxParallelRequests', api: 'max_parallel_requests' },
  { spec: 'metadata', api: 'metadata' },
  { spec: 'ssoUserID', api: 'sso_user_id' },
  { spec: 'teams', api: 'teams', createOnly: true },
  { spec: 'keyAlias', api: 'key_alias', createOnly: true },
  { spec: 'duration', api: 'duration', createOnly: true },
  { spec: 'sendInviteEmail', api: 'send_invite_email', createOnly: true },
];

export const TEAM_RULES: readonly FieldRule[] = [
  { spec: 'teamAlias', api: 'team_alias', createOnly: true },
  { spec: 'teamID', api: 'team_id', createOnly: true },
  { spec: 'models', api: 'models' },
  { spec: 'maxBudget', api: 'max_budget' },
  { spec: 'budgetDuration', api: 'budget_duration' },
  { spec: 'rpmLimit', api: 'rpm_limit' },
  { spec: 'tpmLimit', api: 'tpm_limit' },
  { spec: 'blocked', api: 'blocked' },
  { spec: 'metadata', api: 'metadata' },
  { spec: 'modelAliases', api: 'model_aliases' },
  { spec: 'organizationID', api: 'organization_id' },
  { spec: 'guardrails', api: 'guardrails', inMetadata: true },
];

export const KEY_RULES: readonly FieldRule[] = [
  { spec: 'keyAlias', api: 'key_alias', createOnly: true },
  { spec: 'key', api: 'key', createOnly: true },
  { spec: 'duration', api: 'duration', createOnly: true },
  { spec: 'userID', api: 'user_id' },
  { spec: 'teamID', api: 'team_id' },
  { spec: 'models', api: 'models' },
  { spec: 'maxBudget', api: 'max_budget' },
  { spec: 'softBudget', api: 'soft_budget' },
  { spec: 'budgetDuration', api: 'budget_duration' },
  { spec: 'blocked', api: 'blocked' },
  { spec: 'rpmLimit', api: 'rpm_limit' },
  { spec: 'tpmLimit', api: 'tpm_limit' },
  { spec: 'maxParallelRequests', api: 'max_parallel_requests' },
  { spec: 'modelMaxBudget', api: 'model_max_budget', toApi: numbersOf },
  { spec: 'modelRPMLimit', api: 'model_rpm_limit' },
  { spec: 'modelTPMLimit', api: 'model_tpm_limit' },
  { spec: 'enforcedParams', api: 'enforced_params' },
  { spec: 'aliases', api: 'aliases' },
  { spec: 'config', api: 'config' },
  { spec: 'permissions', api: 'permissions' },
  { spec: 'metadata', api: 'metadata' },
  { spec: 'allowedRoutes', api: 'allowed_routes' },
  { spec: 'tags', api: 'tags' },
  { spec: 'guardrails', api: 'guardrails', inMetadata: true },
];

/** Spec fields Tollgate accepts in a file but does not act on yet (reported as warnings). */
export const IGNORED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  User: [
    'softBudget',
    'blocked',
    'modelMaxBudget',
    'modelRPMLimit',
    'modelTPMLimit',
    'aliases',
    'permissions',
    'allowedCacheControls',
    'guardrails',
  ],
  Team: ['tags', 'teamMemberPermissions'],
  VirtualKey: ['budgetID', 'allowedCacheControls', 'sendInviteEmail'],
};

type Spec = UserManifest['spec'] | TeamManifest['spec'] | KeyManifest['spec'];

/** The API body fields the spec sets (an omitted field is not managed; `[]` is). */
export function apiFields(spec: Spec, rules: readonly FieldRule[]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const rule of rules) {
    const value = (spec as Record<string, unknown>)[rule.spec];
    if (value !== undefined) body[rule.api] = rule.toApi ? rule.toApi(value) : value;
  }
  return body;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/**
 * The managed fields whose observed value differs from the desired one. Metadata is compared
 * entry by entry, since the gateway may hold more entries (the managed-by marker, others').
 */
export function changedFields(
  desired: Record<string, unknown>,
  observed: Record<string, unknown>,
  rules: readonly FieldRule[],
): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const rule of rules) {
    if (rule.createOnly || !(rule.api in desired)) continue;
    const want = desired[rule.api];
    const have = rule.inMetadata
      ? (observed.metadata as Record<string, unknown> | undefined)?.[rule.api]
      : observed[rule.api];
    if (rule.api === 'metadata') {
      const current = (have ?? {}) as Record<string, unknown>;
      const wanted = want as Record<string, unknown>;
      if (Object.entries(wanted).some(([k, v]) => !sameValue(v, current[k]))) {
        changes.push({ field: rule.api, from: have, to: { ...current, ...wanted } });
      }
    } else if (!sameValue(want, have)) {
      changes.push({ field: rule.api, from: have ?? null, to: want });
    }
  }
  return changes;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return JSON.stringify([...a].map(String).sort()) === JSON.stringify([...b].map(String).sort());
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) =>
        sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}
