/**
 * Teams and their members: the team's models, aliases and blocked flag, and each member's role
 * (`admin` or `user`) in it.
 */
import { sql, type Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, TeamMemberTable, TeamTable } from './schema.js';
import { transact } from './transact.js';
import { detectUnique } from './unique-violation.js';
import { deleteKeyRows } from './key-repository.js';

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
  /** Each member's budget in the team, unless the membership sets its own. */
  team_member_budget: number | null;
  /** How often that budget (or a member's own) resets, unless the membership sets its own. */
  team_member_budget_duration: string | null;
  team_member_rpm_limit: number | null;
  team_member_tpm_limit: number | null;
  /** `duration` of a key made for the team without one. */
  team_member_key_duration: string | null;
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
  /** The member's own budget duration; null: the team's `team_member_budget_duration`. */
  budget_duration: string | null;
  /** ISO-8601 UTC end of the window `spend` belongs to; null: no window yet. */
  budget_reset_at: string | null;
  created_at: string;
}

/** A team's member defaults when it has none: its members have only their own limits. */
export const NO_MEMBER_DEFAULTS = {
  team_member_budget: null,
  team_member_budget_duration: null,
  team_member_rpm_limit: null,
  team_member_tpm_limit: null,
  team_member_key_duration: null,
} as const satisfies Partial<TeamRecord>;

/** A new membership: no spend, no limits or window of its own (the team's defaults apply). */
export function newMembership(
  member: Pick<TeamMemberRecord, 'team_id' | 'user_id' | 'role' | 'max_budget_in_team'>,
  createdAt: string,
): TeamMemberRecord {
  return {
    ...member,
    spend: 0,
    tpm_limit: null,
    rpm_limit: null,
    budget_duration: null,
    budget_reset_at: null,
    created_at: createdAt,
  };
}

export type TeamPatch = Partial<Omit<TeamRecord, 'team_id' | 'created_at'>>;

const teamCodec = rowCodec<TeamTable, TeamRecord>({
  json: { metadata: {}, models: [], model_aliases: {} },
  bool: ['blocked'],
  int: [
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
    'team_member_rpm_limit',
    'team_member_tpm_limit',
  ],
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

  /** Teams sorted by alias (teams without one last), then id; all of them without a filter. */
  async list(filter: TeamListFilter = {}): Promise<TeamRecord[]> {
    if (filter.teamIds?.length === 0) return [];
    let q = this.db.selectFrom('teams').selectAll();
    if (filter.teamIds !== undefined) q = q.where('team_id', 'in', [...filter.teamIds]);
    if (filter.organizationId !== undefined) {
      q =
        filter.organizationId === null
          ? q.where('organization_id', 'is', null)
          : q.where('organization_id', '=', filter.organizationId);
    }
    const rows = await q.execute();
    return rows.map(teamCodec.read).sort(byAliasThenId);
  }

  /**
   * One page of teams in the order of `list` (alias, teams without one last, then id) and how
   * many match: the sort and the count run in the database, so 100k teams cost one page's read.
   */
  async page(
    filter: TeamListFilter & { aliasContains?: string },
    page: { offset: number; limit: number },
  ): Promise<{ teams: TeamRecord[]; total: number }> {
    if (filter.teamIds?.length === 0) return { teams: [], total: 0 };
    let q = this.db.selectFrom('teams');
    if (filter.teamIds !== undefined) q = q.where('team_id', 'in', [...filter.teamIds]);
    if (filter.organizationId !== undefined) {
      const organizationId = filter.organizationId;
      q =
        organizationId === null
          ? q.where('organization_id', 'is', null)
          : q.where('organization_id', '=', organizationId);
    }
    if (filter.aliasContains !== undefined) {
      const escaped = filter.aliasContains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where(sql<boolean>`lower(team_alias) like ${`%${escaped}%`} escape '\\'`);
    }
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy(sql`case when team_alias is null then 1 else 0 end`)
        .orderBy('team_alias')
        .orderBy('team_id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return { teams: rows.map(teamCodec.read), total: Number(count?.n ?? 0) };
  }

  /** The teams that exist among `teamIds`. */
  async findByIds(teamIds: readonly string[]): Promise<TeamRecord[]> {
    return this.list({ teamIds });
  }

  /**
   * Deletes teams with their keys (and the keys' grace-period secrets) and memberships, in one
   * transaction; returns the hashes of the keys that went.
   */
  async delete(teamIds: readonly string[]): Promise<string[]> {
    if (teamIds.length === 0) return [];
    const ids = [...teamIds];
    return transact(this.db, async (trx) => {
      const keys = await trx
        .selectFrom('keys')
        .select('token')
        .where('team_id', 'in', ids)
        .execute();
      const tokens = keys.map((k) => k.token);
      await deleteKeyRows(trx, tokens);
      await trx.deleteFrom('team_members').where('team_id', 'in', ids).execute();
      await trx.deleteFrom('teams').where('team_id', 'in', ids).execute();
      return tokens;
    });
  }

  /** The updated membership, or undefined when the user is not in the team. */
  async updateMember(
    teamId: string,
    userId: string,
    patch: TeamMemberPatch,
  ): Promise<TeamMemberRecord | undefined> {
    const values = memberCodec.write(patch);
    if (Object.keys(values).length === 0) return this.findMember(teamId, userId);
    const row = await this.db
      .updateTable('team_members')
      .set(values)
      .where('team_id', '=', teamId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row && memberCodec.read(row);
  }

  /**
   * Takes a user out of a team, with the keys it holds for that team, in one transaction;
   * returns the hashes of those keys.
   */
  async removeMember(teamId: string, userId: string): Promise<string[]> {
    return transact(this.db, async (trx) => {
      const keys = await trx
        .selectFrom('keys')
        .select('token')
        .where('team_id', '=', teamId)
        .where('user_id', '=', userId)
        .execute();
      const tokens = keys.map((k) => k.token);
      await deleteKeyRows(trx, tokens);
      await trx
        .deleteFrom('team_members')
        .where('team_id', '=', teamId)
        .where('user_id', '=', userId)
        .execute();
      return tokens;
    });
  }

  /** The memberships of several teams (or of several users), oldest first. */
  async membershipsOf(
    filter: { teamIds: readonly string[] } | { userIds: readonly string[] },
  ): Promise<TeamMemberRecord[]> {
    const [column, ids] =
      'teamIds' in filter
        ? (['team_id', filter.teamIds] as const)
        : (['user_id', filter.userIds] as const);
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('team_members')
      .selectAll()
      .where(column, 'in', [...ids])
      .orderBy('created_at')
      .orderBy('team_id')
      .orderBy('user_id')
      .execute();
    return rows.map(memberCodec.read);
  }
}

export type TeamMemberPatch = Partial<
  Pick<
    TeamMemberRecord,
    | 'role'
    | 'max_budget_in_team'
    | 'tpm_limit'
    | 'rpm_limit'
    | 'budget_duration'
    | 'budget_reset_at'
  >
>;

export interface TeamListFilter {
  teamIds?: readonly string[];
  /** `null`: teams in no organization. */
  organizationId?: string | null;
}

function byAliasThenId(a: TeamRecord, b: TeamRecord): number {
  if (a.team_alias !== b.team_alias) {
    if (a.team_alias === null) return 1;
    if (b.team_alias === null) return -1;
    return a.team_alias < b.team_alias ? -1 : 1;
  }
  return a.team_id < b.team_id ? -1 : a.team_id > b.team_id ? 1 : 0;
}
