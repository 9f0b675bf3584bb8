/**
 * Users (LiteLLM's UserTable): who owns keys, their role and their own model list. Emails are
 * unique case-insensitively, through the lower-cased copy the table keeps.
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, UserTable } from './schema.js';
import { detectUnique } from './unique-violation.js';

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
}
