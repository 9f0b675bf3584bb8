/**
 * Users as the API shows them: the stored row (never a password) with the ids of its teams, and
 * LiteLLM's columns that Tollgate does not track at their empty values.
 */
import type { UserRecord } from '../store/user-repository.js';
import { withCurrentSpend, type SpendTime } from './current-spend.js';

const LITELLM_EXTRAS = {
  organization_id: null,
  allowed_cache_controls: [],
  model_spend: {},
  model_max_budget: {},
} as const;

export function userView(
  user: UserRecord,
  teams: readonly string[],
  at: SpendTime,
): Record<string, unknown> {
  return { ...withCurrentSpend(user, at), teams: [...teams], ...LITELLM_EXTRAS };
}
