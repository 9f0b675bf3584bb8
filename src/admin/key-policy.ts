/**
 * The operator's policy for keys created through /key/generate (LiteLLM's `litellm_settings`):
 * `default_key_generate_params` fills what a request leaves unset, `upperbound_key_generate_params`
 * clamps what it asks for, and `key_generation_settings` says who may create team and personal
 * keys. Pure functions over the parsed request; the KeyService calls them.
 */
import type { Principal } from '../auth/principal.js';
import type { DefaultKeyGenerateParams, KeyGenerationSettings } from '../config/schema.js';
import type { UpperboundKeyGenerateParams } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { TeamRole } from '../store/team-repository.js';
import { instantAfter } from '../util/duration.js';
import { pythonList } from '../util/python-list.js';
import type { GenerateKeyInput } from './key-schemas.js';

/** Fields a default fills when the request leaves them unset (missing or null). */
const NULL_DEFAULTED = [
  'max_budget',
  'user_id',
  'team_id',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
  'budget_duration',
  'duration',
] as const;

/**
 * The request with `default_key_generate_params` applied: unset fields take the default, `models`
 * when `[]` and `metadata` when `{}` too. `user_id` is only defaulted for proxy admins: anyone
 * else's key is its own.
 */
export function withKeyDefaults(
  input: GenerateKeyInput,
  defaults: DefaultKeyGenerateParams | undefined,
  caller: Principal,
): GenerateKeyInput {
  if (!defaults) return input;
  const out: Record<string, unknown> = { ...input };
  for (const field of NULL_DEFAULTED) {
    if (field === 'user_id' && caller.role !== 'proxy_admin') continue;
    const value = defaults[field];
    if (value !== undefined && (out[field] === undefined || out[field] === null)) {
      out[field] = value;
    }
  }
  if (defaults.models !== undefined && (input.models ?? []).length === 0) {
    out.models = [...defaults.models];
  }
  if (defaults.metadata !== undefined && Object.keys(input.metadata ?? {}).length === 0) {
    out.metadata = structuredClone(defaults.metadata);
  }
  return out as GenerateKeyInput;
}

const NUMERIC_BOUNDS = ['max_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit'] as const;
const DURATION_BOUNDS = ['duration', 'budget_duration'] as const;

/**
 * The request with `upperbound_key_generate_params` applied, to every caller: a value above the
 * bound becomes the bound, and so does a missing one (LiteLLM's docs; its code answers 400 for a
 * value above the bound instead, see docs/compatibility.md). A duration of "-1" (never expires)
 * is above any bound.
 */
export function withinUpperBounds(
  input: GenerateKeyInput,
  bounds: UpperboundKeyGenerateParams | undefined,
  now: number,
): GenerateKeyInput {
  if (!bounds) return input;
  const out: Record<string, unknown> = { ...input };
  for (const field of NUMERIC_BOUNDS) {
    const bound = bounds[field];
    if (bound === undefined) continue;
    const value = input[field];
    if (value === undefined || value === null || value > bound) out[field] = bound;
  }
  for (const field of DURATION_BOUNDS) {
    const bound = bounds[field];
    if (bound === undefined) continue;
    const value = input[field];
    if (value === undefined || value === null || longer(value, bound, now)) out[field] = bound;
  }
  return out as GenerateKeyInput;
}

/** Whether duration `a` ends after `b` (both from `now`); "-1" and "" never end. */
function longer(a: string, b: string, now: number): boolean {
  const end = (text: string) => {
    if (text === '-1') return Infinity;
    // An invalid duration is left to the request's own check, which names the field.
    try {
      return instantAfter(text, now) ?? Infinity;
    } catch {
      return -Infinity;
    }
  };
  return end(a) > end(b);
}

/**
 * `key_generation_settings`: whether the caller may create this key. Proxy admins always may.
 * `present` holds the fields the request body named (LiteLLM checks `required_params` against
 * the fields set, whatever their value); `memberRole` is the caller's role in the key's team.
 */
export function checkKeyGenerationSettings(
  caller: Principal,
  settings: KeyGenerationSettings | undefined,
  request: {
    teamId: string | null | undefined;
    present: ReadonlySet<string>;
    memberRole: TeamRole | undefined;
  },
): void {
  if (!settings || caller.role === 'proxy_admin') return;
  if (request.teamId) {
    const team = settings.team_key_generation;
    if (!team) return;
    const allowed = team.allowed_team_member_roles ?? ['admin', 'user'];
    if (request.memberRole === undefined) {
      throw new GatewayError(
        'bad_request',
        `User=${caller.userId ?? 'None'} not assigned to team=${request.teamId}`,
        { param: 'team_id' },
      );
    }
    if (!allowed.includes(request.memberRole)) {
      throw new GatewayError(
        'bad_request',
        `Team member role ${request.memberRole} not in allowed_team_member_roles=${pythonList(allowed)}`,
      );
    }
    checkRequiredParams(team.required_params, request.present);
    return;
  }
  const personal = settings.personal_key_generation;
  if (!personal) return;
  if (personal.allowed_user_roles && !personal.allowed_user_roles.includes(caller.role)) {
    throw new GatewayError(
      'bad_request',
      `Personal key creation has been restricted by admin. Allowed roles=${pythonList(personal.allowed_user_roles)}. Your role=${caller.role}`,
    );
  }
  checkRequiredParams(personal.required_params, request.present);
}

function checkRequiredParams(
  required: readonly string[] | undefined,
  present: ReadonlySet<string>,
): void {
  for (const param of required ?? []) {
    if (!present.has(param)) {
      throw new GatewayError('bad_request', `Required param ${param} not in data`, { param });
    }
  }
}
