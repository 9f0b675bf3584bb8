/**
 * Admission's refusals, worded as LiteLLM words them so clients and scripts that match on the
 * text keep working: the budget messages of its auth checks, and the v3 rate limiter's 429.
 */
import { GatewayError } from '../errors/gateway-error.js';
import { pythonFloat } from '../util/python-float.js';
import { RATE_WINDOW_MS, rateWindowStart, type RateLimitType } from './counter-store.js';
import type { Scope, ScopeKind } from './types.js';

/** 429 as newer LiteLLM answers a budget refusal; 400 as older versions did. */
export type BudgetExceededStatus = 429 | 400;

export function budgetExceeded(
  scope: Scope,
  spent: number,
  status: BudgetExceededStatus,
): GatewayError {
  return new GatewayError('budget_exceeded', budgetMessage(scope, spent), { status });
}

function budgetMessage(scope: Scope, spent: number): string {
  const cost = pythonFloat(spent);
  const max = pythonFloat(scope.maxBudget ?? 0);
  const figures = `Current cost: ${cost}, Max budget: ${max}`;
  switch (scope.kind) {
    case 'key':
      return `Budget has been exceeded! Key=${scope.label} ${figures}`;
    case 'team':
      return `Budget has been exceeded! Team=${scope.label} ${figures}`;
    case 'team_member': {
      const [teamId, userId] = splitPair(scope.id);
      return `Budget has been exceeded! User=${userId} in Team=${teamId} ${figures}`;
    }
    case 'organization':
      return `Budget has been exceeded! Organization=${scope.label} ${figures}`;
    case 'tag':
      return `Budget has been exceeded! Tag=${scope.label} ${figures}`;
    case 'user':
      return `ExceededBudget: User=${scope.label} over budget. Spend=${cost}, Budget=${max}`;
    case 'customer':
      return `ExceededBudget: End User=${scope.label} over budget. Spend=${cost}, Budget=${max}`;
    // LiteLLM's words (model_max_budget_limiter), then the figures the other refusals give.
    case 'model_per_key':
    case 'model_per_team':
      return `${scope.label}. ${figures}`;
  }
}

/** LiteLLM's v3 limiter names of the scopes. */
const RATE_DESCRIPTORS: Record<ScopeKind, string> = {
  key: 'api_key',
  user: 'user',
  team: 'team',
  team_member: 'team_member',
  organization: 'organization',
  customer: 'end_user',
  model_per_key: 'model_per_key',
  model_per_team: 'model_per_team',
  tag: 'tag',
};

export function rateLimited(scope: Scope, limitType: RateLimitType, now: number): GatewayError {
  const limit =
    limitType === 'requests'
      ? scope.rpmLimit
      : limitType === 'tokens'
        ? scope.tpmLimit
        : scope.maxParallelRequests;
  const resetAt = rateWindowStart(now) + RATE_WINDOW_MS;
  const resetText = utcText(resetAt);
  const message =
    `Rate limit exceeded for ${RATE_DESCRIPTORS[scope.kind]}: ${scope.id}. ` +
    `Limit type: ${limitType}. Current limit: ${limit ?? 0}, Remaining: 0. ` +
    `Limit resets at: ${resetText}`;
  return new GatewayError('rate_limit', message, {
    // LiteLLM's LLM routes print Python's None for both.
    type: 'None',
    param: 'None',
    headers: {
      'retry-after': String(Math.max(1, Math.ceil((resetAt - now) / 1000))),
      rate_limit_type: limitType,
      reset_at: resetText,
    },
  });
}

/** `YYYY-MM-DD HH:MM:SS UTC`. */
function utcText(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `teamId:userId` and `keyHash:model` ids: the first colon separates them. */
function splitPair(id: string): [string, string] {
  const at = id.indexOf(':');
  return at < 0 ? [id, id] : [id.slice(0, at), id.slice(at + 1)];
}
