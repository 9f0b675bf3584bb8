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
    team_member_budget_table: memberDefaults(team),
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

/** The team's defaults for its members, shaped like LiteLLM's `team_member_budget_table`. */
function memberDefaults(team: TeamRecord): Record<string, unknown> | null {
  const table = {
    max_budget: team.team_member_budget,
    budget_duration: team.team_member_budget_duration,
    tpm_limit: team.team_member_tpm_limit,
    rpm_limit: team.team_member_rpm_limit,
  };
  return Object.values(table).some((v) => v !== null) ? table : null;
}

/**
 * A membership with the budget that applies to it (its own values, else the team's defaults),
 * shaped like LiteLLM's budget table, and the spend of its current window (0, and the next
 * window's end, once the stored window has passed).
 */
export function membershipView(
  member: TeamMemberRecord,
  team: TeamRecord | undefined,
  at: SpendTime,
): Record<string, unknown> {
  const max_budget = member.max_budget_in_team ?? team?.team_member_budget ?? null;
  const tpm_limit = member.tpm_limit ?? team?.team_member_tpm_limit ?? null;
  const rpm_limit = member.rpm_limit ?? team?.team_member_rpm_limit ?? null;
  const budget_duration = member.budget_duration ?? team?.team_member_budget_duration ?? null;
  // Before its first window is stored, the spend there is counts toward the current one.
  const firstEnd =
    budget_duration && member.budget_reset_at === null
      ? at.calendar.window(member.created_at, budget_duration, at.now).resetAt
      : null;
  const windowed = withCurrentSpend(
    {
      spend: member.spend,
      budget_duration,
      budget_reset_at:
        firstEnd === null ? member.budget_reset_at : new Date(firstEnd).toISOString(),
    },
    at,
  );
  const hasBudget = [max_budget, tpm_limit, rpm_limit, budget_duration].some((v) => v !== null);
  return {
    ...member,
    spend: windowed.spend,
    budget_reset_at: windowed.budget_reset_at,
    budget_id: null,
    litellm_budget_table: hasBudget ? { max_budget, budget_duration, tpm_limit, rpm_limit } : null,
  };
}
