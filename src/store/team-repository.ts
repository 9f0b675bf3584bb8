/**
 * Teams and their members: the team's models, aliases and blocked flag, and each member's role
 * (`admin` or `user`) in it.
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, TeamMemberTable, TeamTable } from './schema.js';
import { detectUnique } from './unique-violation.js';

export interface TeamRecord {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  metadata: Record<string, unknown>;
  models: string[];
  model_aliases: Record<string, string>;
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  blocked: boolean;
  created_at: string;
  updated_at: string;
}

export type TeamRole = 'admin' | 'user';

export interface TeamMemberRecord {
  team_id: string;
  user_id: string;
  role: TeamRole;
  max_budget_in_team: number | null;
  spend: number;
  tpm_limit: number | null;
  rpm_limit: number | null;
  created_at: string;
}

export type TeamPatch = Partial<Omit<TeamRecord, 'team_id' | 'created_at'>>;

const teamCodec = rowCodec<TeamTable, TeamRecord>({
  json: { metadata: {}, models: [], model_aliases: {} },
  bool: ['blocked'],
  int: ['tpm_limit', 'rpm_limit', 'max_parallel_requests'],
});

const memberCodec = rowCodec<TeamMemberTable, TeamMemberRecord>({
  int: ['tpm_limit', 'rpm_limit'],
});

export class TeamRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `team_id`) for a duplicate. */
  async create(team: TeamRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('teams')
        .values(teamCodec.write(team) as TeamTable)
        .execute(),
    );
  }

  async findById(teamId: string): Promise<TeamRecord | undefined> {
    const row = await this.db
      .selectFrom('teams')
      .selectAll()
      .where('team_id', '=', teamId)
      .executeTakeFirst();
    return row && teamCodec.read(row);
  }

  async update(teamId: string, patch: TeamPatch): Promise<TeamRecord | undefined> {
    const row = await this.db
      .updateTable('teams')
      .set(teamCodec.write(patch))
      .where('team_id', '=', teamId)
      .returningAll()
      .executeTakeFirst();
    return row && teamCodec.read(row);
  }

  /** Throws UniqueViolation when the user is already a member; the user row must exist. */
  async addMember(member: TeamMemberRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('team_members')
        .values(memberCodec.write(member) as TeamMemberTable)
        .execute(),
    );
  }

  async findMember(teamId: string, userId: string): Promise<TeamMemberRecord | undefined> {
    const row = await this.db
      .selectFrom('team_members')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && memberCodec.read(row);
  }

  async membersOf(teamId: string): Promise<TeamMemberRecord[]> {
    const rows = await this.db
      .selectFrom('team_members')
      .selectAll()
      .where('team_id', '=', teamId)
      .orderBy('created_at')
      .orderBy('user_id')
      .execute();
    return rows.map(memberCodec.read);
  }

  /** The ids of the teams a user belongs to. */
  async teamIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('team_members')
      .select(['team_id'])
      .where('user_id', '=', userId)
      .orderBy('team_id')
      .execute();
    return rows.map((r) => r.team_id);
  }
}
