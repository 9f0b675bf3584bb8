/**
 * Organizations and their members (LiteLLM's OrganizationTable and OrganizationMembership). An
 * organization's limits live in a `budgets` row (`budget_id`); teams name their organization.
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, OrganizationMemberTable, OrganizationTable } from './schema.js';
import { transact } from './transact.js';
import { detectUnique } from './unique-violation.js';

export interface OrganizationRecord {
  organization_id: string;
  organization_alias: string;
  budget_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  spend: number;
  /** ISO-8601 UTC end of the budget window `spend` belongs to; null: no window yet. */
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export type OrganizationPatch = Partial<
  Omit<OrganizationRecord, 'organization_id' | 'created_at' | 'created_by' | 'spend'>
>;

/** A role in an organization, as LiteLLM names them. */
export type OrganizationRole = 'org_admin' | 'internal_user' | 'internal_user_viewer';

export interface OrganizationMemberRecord {
  organization_id: string;
  user_id: string;
  user_role: OrganizationRole;
  spend: number;
  /** The member's budget in the organization (`max_budget_in_organization`). */
  budget_id: string | null;
  created_at: string;
  updated_at: string;
}

export type OrganizationMemberPatch = Partial<
  Pick<OrganizationMemberRecord, 'user_role' | 'budget_id' | 'updated_at'>
>;

const organizationCodec = rowCodec<
  OrganizationTable,
  OrganizationRecord & { budget_duration?: null }
>({
  json: { models: [], metadata: {} },
});

function readOrganization(row: OrganizationTable): OrganizationRecord {
  const { budget_duration: _always, ...rest } = organizationCodec.read(row);
  return { ...rest, spend: Number(rest.spend) };
}

function readMember(row: OrganizationMemberTable): OrganizationMemberRecord {
  return { ...row, user_role: row.user_role as OrganizationRole, spend: Number(row.spend) };
}

export class OrganizationRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `organization_id`) for a duplicate. */
  async create(organization: OrganizationRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('organizations')
        .values({
          ...(organizationCodec.write(organization) as OrganizationTable),
          budget_duration: null,
        })
        .execute(),
    );
  }

  async findById(organizationId: string): Promise<OrganizationRecord | undefined> {
    const row = await this.db
      .selectFrom('organizations')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return row && readOrganization(row);
  }

  /** The organizations among `ids` (all of them when `ids` is undefined), oldest first. */
  async list(ids?: readonly string[]): Promise<OrganizationRecord[]> {
    if (ids?.length === 0) return [];
    let q = this.db.selectFrom('organizations').selectAll();
    if (ids !== undefined) q = q.where('organization_id', 'in', [...ids]);
    const rows = await q.orderBy('created_at').orderBy('organization_id').execute();
    return rows.map(readOrganization);
  }

  async update(
    organizationId: string,
    patch: OrganizationPatch,
  ): Promise<OrganizationRecord | undefined> {
    const values = organizationCodec.write(patch);
    if (Object.keys(values).length === 0) return this.findById(organizationId);
    const row = await this.db
      .updateTable('organizations')
      .set(values)
      .where('organization_id', '=', organizationId)
      .returningAll()
      .executeTakeFirst();
    return row && readOrganization(row);
  }

  /** Deletes an organization and its memberships (its teams go through the team repository). */
  async delete(organizationId: string): Promise<boolean> {
    return transact(this.db, async (trx) => {
      await trx
        .deleteFrom('organization_members')
        .where('organization_id', '=', organizationId)
        .execute();
      const result = await trx
        .deleteFrom('organizations')
        .where('organization_id', '=', organizationId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  /** The ids of the teams of the organizations. */
  async teamIdsOf(organizationIds: readonly string[]): Promise<string[]> {
    if (organizationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('teams')
      .select('team_id')
      .where('organization_id', 'in', [...organizationIds])
      .orderBy('team_id')
      .execute();
    return rows.map((r) => r.team_id);
  }

  /** The hashes of the keys that name the organizations themselves (of one user, if given). */
  async keyTokensOf(organizationIds: readonly string[], userId?: string): Promise<string[]> {
    if (organizationIds.length === 0) return [];
    let q = this.db
      .selectFrom('keys')
      .select('token')
      .where('organization_id', 'in', [...organizationIds]);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    const rows = await q.orderBy('token').execute();
    return rows.map((r) => r.token);
  }

  /** Throws UniqueViolation when the user is already a member. */
  async addMember(member: OrganizationMemberRecord): Promise<void> {
    await detectUnique(() => this.db.insertInto('organization_members').values(member).execute());
  }

  async findMember(
    organizationId: string,
    userId: string,
  ): Promise<OrganizationMemberRecord | undefined> {
    const row = await this.db
      .selectFrom('organization_members')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && readMember(row);
  }

  /** The members of the organizations, in the order they joined. */
  async membersOf(organizationIds: readonly string[]): Promise<OrganizationMemberRecord[]> {
    if (organizationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('organization_members')
      .selectAll()
      .where('organization_id', 'in', [...organizationIds])
      .orderBy('created_at')
      .orderBy('user_id')
      .execute();
    return rows.map(readMember);
  }

  /** A user's memberships. */
  async membershipsOf(userId: string): Promise<OrganizationMemberRecord[]> {
    const rows = await this.db
      .selectFrom('organization_members')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('organization_id')
      .execute();
    return rows.map(readMember);
  }

  async updateMember(
    organizationId: string,
    userId: string,
    patch: OrganizationMemberPatch,
  ): Promise<OrganizationMemberRecord | undefined> {
    if (Object.keys(patch).length === 0) return this.findMember(organizationId, userId);
    const row = await this.db
      .updateTable('organization_members')
      .set(patch)
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row && readMember(row);
  }

  /** Whether the user was a member. */
  async deleteMember(organizationId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('organization_members')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
