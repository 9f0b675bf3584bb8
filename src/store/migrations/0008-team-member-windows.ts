/**
 * Team member budgets as LiteLLM's teams set them: a team's defaults for its members
 * (`team_member_budget`, `team_member_budget_duration`, `team_member_rpm_limit`,
 * `team_member_tpm_limit`, and `team_member_key_duration` for the keys they make), and budget
 * windows of memberships: a membership's budget may reset (its own `budget_duration` or the
 * team's), so its spend, like a key's, belongs to the window that ends at `budget_reset_at`
 * (ISO-8601 UTC). All null for the teams and memberships there are: nothing changes for them.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

const TEAM_COLUMNS = [
  ['team_member_budget', 'double precision'],
  ['team_member_budget_duration', 'text'],
  ['team_member_rpm_limit', 'bigint'],
  ['team_member_tpm_limit', 'bigint'],
  ['team_member_key_duration', 'text'],
] as const;

export async function up(db: AnyDb): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const [column, type] of TEAM_COLUMNS) {
    await db.schema.alterTable('teams').addColumn(column, type).execute();
  }
  await db.schema.alterTable('team_members').addColumn('budget_duration', 'text').execute();
  await db.schema.alterTable('team_members').addColumn('budget_reset_at', 'text').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('team_members').dropColumn('budget_reset_at').execute();
  await db.schema.alterTable('team_members').dropColumn('budget_duration').execute();
  for (const [column] of TEAM_COLUMNS) {
    await db.schema.alterTable('teams').dropColumn(column).execute();
  }
}
