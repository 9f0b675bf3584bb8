/**
 * Turns the settings of a key request into stored columns: only the fields present, `null`
 * meaning "back to the default", durations turned into instants (`expires`, `budget_reset_at`),
 * and LiteLLM's checks on the values.
 */
import { KEY_TYPE_ROUTES } from '../auth/virtual-key-principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { KeyPatch, KeyRecord } from '../store/key-repository.js';
import { DurationError, instantAfter } from '../util/duration.js';
import type { KeyFields } from './key-schemas.js';
import { modelMaxBudgetError } from '../spend/model-budgets.js';
import { metadataWithModelLimits } from './metadata-fields.js';

type KeySettings = Omit<
  KeyRecord,
  'token' | 'key_name' | 'created_by' | 'updated_by' | 'created_at' | 'updated_at'
>;

/** Every setting of a key at its default (fresh objects each time). */
export function defaultKeySettings(): KeySettings {
  return {
    key_alias: null,
    user_id: null,
    team_id: null,
    models: [],
    aliases: {},
    config: {},
    permissions: {},
    metadata: {},
    tags: [],
    allowed_routes: [],
    model_max_budget: {},
    budget_id: null,
    organization_id: null,
    spend: 0,
    max_budget: null,
    soft_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    expires: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    blocked: false,
    key_type: 'default',
  };
}

/** Fields copied as they are (null → default). */
const PLAIN_FIELDS = [
  'key_alias',
  'models',
  'aliases',
  'config',
  'permissions',
  'metadata',
  'tags',
  'allowed_routes',
  'model_max_budget',
  'budget_id',
  'organization_id',
  'spend',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'blocked',
  'key_type',
] as const satisfies readonly (keyof KeyFields & keyof KeyPatch)[];

export function toInstant(field: string, text: string, now: number): string | null {
  return asBadRequest(field, () => instantAfter(text, now));
}

/**
 * `budget_reset_at` (ISO) of a `budget_duration` set at `now`, by the gateway's calendar; `null`
 * when there is no duration. Every admin service that sets a budget duration goes through here,
 * so the first window ends where admission and the spend ledger say it does.
 */
export function budgetResetAt(
  duration: string | null,
  now: number,
  calendar: BudgetCalendar,
  field = 'budget_duration',
): string | null {
  if (duration === null) return null;
  return asBadRequest(field, () => calendar.firstReset(duration, now));
}

/** An instant as ISO text; a duration that cannot be read is LiteLLM's 400 naming `field`. */
function asBadRequest(field: string, instant: () => number | null): string | null {
  try {
    const at = instant();
    return at === null ? null : new Date(at).toISOString();
  } catch (error: unknown) {
    if (error instanceof DurationError) {
      throw new GatewayError('bad_request', error.message, { param: field });
    }
    throw error;
  }
}

/** The columns a request's settings set, at `now` (epoch ms), budget windows by `calendar`. */
export function settingsPatch(
  input: KeyFields,
  now: number,
  calendar: BudgetCalendar,
  existing?: Pick<KeyRecord, 'metadata'>,
): KeyPatch {
  const patch: Record<string, unknown> = {};
  for (const field of PLAIN_FIELDS) {
    if (field in input) patch[field] = input[field] ?? defaultKeySettings()[field];
  }
  const metadata = metadataWithModelLimits(input, existing?.metadata);
  if (metadata) patch.metadata = metadata;
  for (const field of ['max_budget', 'soft_budget'] as const) {
    if (!(field in input)) continue;
    const value = input[field] ?? null;
    if (value !== null && value < 0) {
      throw new GatewayError('bad_request', `${field} cannot be negative. Received: ${value}`, {
        param: field,
      });
    }
    patch[field] = value;
  }
  const modelBudgets = input.model_max_budget;
  const modelBudgetProblem = modelBudgets && modelMaxBudgetError(modelBudgets);
  if (modelBudgetProblem) {
    throw new GatewayError('bad_request', modelBudgetProblem, { param: 'model_max_budget' });
  }
  if ('duration' in input) {
    const duration = input.duration ?? null;
    // "-1" (like null) means the key never expires.
    patch.expires =
      duration === null || duration === '-1' ? null : toInstant('duration', duration, now);
  }
  if ('budget_duration' in input) {
    const duration = input.budget_duration ?? null;
    patch.budget_duration = duration;
    patch.budget_reset_at = budgetResetAt(duration, now, calendar);
  }
  // Like LiteLLM, a key_type without explicit routes limits the key to that type's routes.
  const keyType = input.key_type;
  if (keyType && !('allowed_routes' in input) && KEY_TYPE_ROUTES[keyType]) {
    patch.allowed_routes = [...(KEY_TYPE_ROUTES[keyType] ?? [])];
  }
  return patch as KeyPatch;
}

/**
 * The key's metadata with a temporary budget increase (LiteLLM keeps both fields there): both
 * given, the increase applies until the expiry (ISO instant, or a duration such as `10d` from
 * `now`); both null, it is removed. Anything else is a 400 naming the field.
 */
export function withTempBudget(
  metadata: Readonly<Record<string, unknown>>,
  increase: number | null | undefined,
  expiry: string | null | undefined,
  now: number,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...metadata };
  if (increase == null && expiry == null) {
    delete next.temp_budget_increase;
    delete next.temp_budget_expiry;
    return next;
  }
  if (increase == null || expiry == null) {
    throw new GatewayError(
      'bad_request',
      'temp_budget_increase and temp_budget_expiry must be set together',
      { param: increase == null ? 'temp_budget_increase' : 'temp_budget_expiry' },
    );
  }
  if (increase < 0) {
    throw new GatewayError(
      'bad_request',
      `temp_budget_increase cannot be negative. Received: ${increase}`,
      {
        param: 'temp_budget_increase',
      },
    );
  }
  const until = /^\d+(mo|[smhdw])?$|^(daily|weekly|monthly)$/.test(expiry)
    ? toInstant('temp_budget_expiry', expiry, now)
    : isoInstant(expiry);
  if (until === null || Date.parse(until) <= now) {
    throw new GatewayError(
      'bad_request',
      `temp_budget_expiry must be a future date (ISO-8601) or a duration such as "10d". Received: ${expiry}`,
      { param: 'temp_budget_expiry' },
    );
  }
  next.temp_budget_increase = increase;
  next.temp_budget_expiry = until;
  return next;
}

/** An ISO-8601 date or date-time as a UTC instant; a time without a zone is taken as UTC. */
function isoInstant(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const zoned = !text.includes('T') || /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const at = Date.parse(zoned);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}
