/**
 * Teams as the API shows them: the stored row with its members (`members_with_roles`, and the
 * legacy `admins` / `members` id lists) and LiteLLM's columns Tollgate does not track.
 */
import type { TeamMemberRecord, TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import { withCurrentSpend, type SpendTime } from './current-spend.js';

const LITELLM_EXTRAS = {
  model_id: null,
  model_spend: {},
  model_max_budget: {},
} as const;

export function teamView(
  team: TeamRecord,
  members: readonly TeamMemberRecord[],
  users: ReadonlyMap<string, UserRecord>,
  at: SpendTime,
): Record<string, unknown> {
  return {
    ...withCurrentSpend(team, at),
    admins: members.filter((m) => m.role === 'admin').map((m) => m.user_id),
    members: members.map((m) => m.user_id),
    members_with_roles: members.map((m) => ({
      role: m.role,
      user_id: m.user_id,
      user_email: users.get(m.user_id)?.user_email ?? null,
    })),
    ...LITELLM_EXTRAS,
  };
}

/** A membership with its per-member budget, shaped like LiteLLM's budget table. */
export function membershipView(member: TeamMemberRecord): Record<string, unknown> {
  const { max_budget_in_team, tpm_limit, rpm_limit } = member;
  const hasBudget = max_budget_in_team !== null || tpm_limit !== null || rpm_limit !== null;
  return {
    ...member,
    budget_id: null,
    litellm_budget_table: hasBudget
      ? { max_budget: max_budget_in_team, tpm_limit, rpm_limit }
      : null,
  };
}
