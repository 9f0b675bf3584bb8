/**
 * A new user's row, as `/user/new` and `/team/member_add` create it: the operator's defaults for
 * internal users (`default_internal_user_params`, then `max_internal_user_budget` and
 * `internal_user_budget_duration`) fill what the request leaves unset, as LiteLLM does.
 */
import type { ProxyRole } from '../auth/principal.js';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import type { DefaultInternalUserParams } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { UserRecord } from '../store/user-repository.js';
import { budgetResetAt } from './key-settings.js';

/** The settings of a user a request may give. */
export interface UserSettings {
  user_email?: string | null;
  user_alias?: string | null;
  user_role?: ProxyRole | null;
  sso_user_id?: string | null;
  models?: string[] | null;
  metadata?: Record<string, unknown> | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  max_parallel_requests?: number | null;
  teams?: DefaultInternalUserParams['teams'] | null;
}

const INTERNAL_ROLES: ReadonlySet<ProxyRole> = new Set(['internal_user', 'internal_user_viewer']);

/** Fields `default_internal_user_params` may fill (its `user_role` picks the role instead). */
const DEFAULTABLE = [
  'max_budget',
  'budget_duration',
  'models',
  'teams',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
] as const;

/**
 * The request's settings with the operator's defaults applied. The role is the request's, else
 * the default params', else `internal_user`; admins get no defaults.
 */
export function withUserDefaults(
  input: UserSettings,
  defaults: InternalUserDefaults,
): UserSettings & { user_role: ProxyRole } {
  const role = input.user_role ?? defaults.params.user_role ?? 'internal_user';
  const out: UserSettings & { user_role: ProxyRole } = { ...input, user_role: role };
  if (!INTERNAL_ROLES.has(role)) return out;
  const params = defaults.params;
  for (const field of DEFAULTABLE) {
    const given = out[field];
    const value = params[field];
    if (value === undefined) continue;
    if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) {
      (out as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
  }
  out.max_budget ??= defaults.maxBudget ?? null;
  out.budget_duration ??= defaults.budgetDuration ?? null;
  return out;
}

/** Throws LiteLLM's message for a negative budget. */
export function checkBudget(field: string, value: number | null | undefined): void {
  if (value !== null && value !== undefined && value < 0) {
    throw new GatewayError('bad_request', `${field} cannot be negative. Received: ${value}`, {
      param: field,
    });
  }
}

/** The row of a new user at `now` (epoch ms), after its settings were checked. */
export function newUserRecord(
  userId: string,
  settings: UserSettings & { user_role: ProxyRole },
  now: number,
  calendar: BudgetCalendar,
): UserRecord {
  checkBudget('max_budget', settings.max_budget);
  const at = new Date(now).toISOString();
  const duration = settings.budget_duration ?? null;
  return {
    user_id: userId,
    user_email: settings.user_email ?? null,
    user_alias: settings.user_alias ?? null,
    user_role: settings.user_role,
    sso_user_id: settings.sso_user_id ?? null,
    models: settings.models ?? [],
    metadata: settings.metadata ?? {},
    spend: 0,
    max_budget: settings.max_budget ?? null,
    budget_duration: duration,
    budget_reset_at: budgetResetAt(duration, now, calendar),
    tpm_limit: settings.tpm_limit ?? null,
    rpm_limit: settings.rpm_limit ?? null,
    max_parallel_requests: settings.max_parallel_requests ?? null,
    created_at: at,
    updated_at: at,
  };
}
