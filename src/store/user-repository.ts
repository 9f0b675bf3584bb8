/**
 * Users (LiteLLM's UserTable): who owns keys, their role and their own model list. Emails are
 * unique case-insensitively, through the lower-cased copy the table keeps.
 */
import { sql, type Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, UserTable } from './schema.js';
import { transact } from './transact.js';
import { detectUnique } from './unique-violation.js';
import { deleteKeyRows } from './key-repository.js';

export interface UserRecord {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  /** As stored: may be a legacy role (`admin`, `app_owner`, `app_user`) or anything else. */
  user_role: string;
  sso_user_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  created_at: string;
  updated_at: string;
}

type UserColumns = Omit<UserTable, 'password_hash' | 'user_email_lower'>;

const codec = rowCodec<UserColumns, UserRecord>({
  json: { models: [], metadata: {} },
  int: ['tpm_limit', 'rpm_limit', 'max_parallel_requests'],
});

const COLUMNS = [
  'user_id',
  'user_email',
  'user_alias',
  'user_role',
  'sso_user_id',
  'models',
  'metadata',
  'spend',
  'max_budget',
  'budget_duration',
  'budget_reset_at',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof UserColumns)[];

export class UserRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `user_id` or `user_email_lower`) for a duplicate. */
  async create(user: UserRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('users')
        .values({
          ...(codec.write(user) as UserColumns),
          user_email_lower: user.user_email?.toLowerCase() ?? null,
          password_hash: null,
        })
        .execute(),
    );
  }

  async findById(userId: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  /** Case-insensitive. */
  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .select(COLUMNS)
      .where('user_email_lower', '=', email.toLowerCase())
      .executeTakeFirst();
    return row && codec.read(row);
  }

  async findByIds(userIds: readonly string[]): Promise<UserRecord[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('users')
      .select(COLUMNS)
      .where('user_id', 'in', [...userIds])
      .execute();
    return rows.map(codec.read);
  }

  /** The updated user, or undefined when there is none; throws UniqueViolation for a taken email. */
  async update(userId: string, patch: UserPatch): Promise<UserRecord | undefined> {
    const values: Partial<UserTable> = codec.write(patch);
    if ('user_email' in patch) values.user_email_lower = patch.user_email?.toLowerCase() ?? null;
    if (Object.keys(values).length === 0) return this.findById(userId);
    const row = await detectUnique(() =>
      this.db
        .updateTable('users')
        .set(values)
        .where('user_id', '=', userId)
        .returning(COLUMNS)
        .executeTakeFirst(),
    );
    return row && codec.read(row);
  }

  /** Stores a password hash (never read back through a record). */
  async setPasswordHash(userId: string, hash: string | null): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: hash })
      .where('user_id', '=', userId)
      .execute();
  }

  /** A page of users with how many keys each owns, and how many match in all. */
  async list(query: UserListQuery): Promise<UserPage> {
    if (query.userIds?.length === 0 || query.organizationIds?.length === 0) {
      return { users: [], total: 0 };
    }
    let q = this.db.selectFrom('users');
    if (query.role !== undefined) q = q.where('user_role', '=', query.role);
    if (query.userIds !== undefined) q = q.where('user_id', 'in', [...query.userIds]);
    if (query.email !== undefined) {
      const escaped = query.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where(sql<boolean>`user_email_lower like ${`%${escaped}%`} escape '\\'`);
    }
    if (query.teamId !== undefined) {
      const teamId = query.teamId;
      q = q.where('user_id', 'in', (eb) =>
        eb.selectFrom('team_members').select('user_id').where('team_id', '=', teamId),
      );
    }
    if (query.organizationIds !== undefined) {
      const organizationIds = [...query.organizationIds];
      q = q.where('user_id', 'in', (eb) =>
        eb
          .selectFrom('organization_members')
          .select('user_id')
          .where('organization_id', 'in', organizationIds),
      );
    }
    const [rows, count] = await Promise.all([
      q
        .select(COLUMNS)
        .select((eb) =>
          eb
            .selectFrom('keys')
            .select((k) => k.fn.countAll<number | string>().as('n'))
            .whereRef('keys.user_id', '=', 'users.user_id')
            .as('key_count'),
        )
        .orderBy(query.sortBy, query.order)
        .orderBy('user_id', query.order)
        .limit(query.size)
        .offset((query.page - 1) * query.size)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return {
      users: rows.map(({ key_count, ...row }) => ({
        ...codec.read(row),
        key_count: Number(key_count ?? 0),
      })),
      total: Number(count?.n ?? 0),
    };
  }

  /**
   * Deletes users with their keys (and the keys' grace-period secrets) and team memberships, in
   * one transaction; returns the hashes of the keys that went.
   */
  async delete(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const ids = [...userIds];
    return transact(this.db, async (trx) => {
      const keys = await trx
        .selectFrom('keys')
        .select('token')
        .where('user_id', 'in', ids)
        .execute();
      const tokens = keys.map((k) => k.token);
      await deleteKeyRows(trx, tokens);
      await trx.deleteFrom('team_members').where('user_id', 'in', ids).execute();
      await trx.deleteFrom('organization_members').where('user_id', 'in', ids).execute();
      await trx.deleteFrom('users').where('user_id', 'in', ids).execute();
      return tokens;
    });
  }
}

export type UserPatch = Partial<Omit<UserRecord, 'user_id' | 'created_at'>>;

export const USER_SORT_COLUMNS = [
  'user_id',
  'user_email',
  'created_at',
  'spend',
  'user_alias',
  'user_role',
] as const;

export interface UserListQuery {
  /** 1-based. */
  page: number;
  size: number;
  sortBy: (typeof USER_SORT_COLUMNS)[number];
  order: 'asc' | 'desc';
  role?: string;
  userIds?: readonly string[];
  /** Part of the email, any case. */
  email?: string;
  /** Members of this team only. */
  teamId?: string;
  /** Members of any of these organizations only. */
  organizationIds?: readonly string[];
}

export interface UserPage {
  users: (UserRecord & { key_count: number })[];
  total: number;
}
