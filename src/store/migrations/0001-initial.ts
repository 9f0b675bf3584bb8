/** The first schema: keys, users, teams and their members, customers, the audit log. */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

const money = 'double precision' as const;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('user_email', 'text')
    .addColumn('user_email_lower', 'text', (c) => c.unique())
    .addColumn('user_alias', 'text')
    .addColumn('user_role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('sso_user_id', 'text', (c) => c.unique())
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('max_budget', money)
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('max_parallel_requests', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('team_id', 'text', (c) => c.primaryKey())
    .addColumn('team_alias', 'text')
    .addColumn('organization_id', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('model_aliases', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('max_budget', money)
    .addColumn('soft_budget', money)
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('max_parallel_requests', 'integer')
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'text', (c) =>
      c.notNull().references('teams.team_id').onDelete('cascade'),
    )
    .addColumn('user_id', 'text', (c) =>
      c.notNull().references('users.user_id').onDelete('cascade'),
    )
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('max_budget_in_team', money)
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();

  await db.schema
    .createTable('keys')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('key_name', 'text')
    .addColumn('key_alias', 'text', (c) => c.unique())
    .addColumn('user_id', 'text')
    .addColumn('team_id', 'text')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('permissions', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('allowed_routes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('model_max_budget', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('max_budget', money)
    .addColumn('soft_budget', money)
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('expires', 'text')
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('max_parallel_requests', 'integer')
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('key_type', 'text', (c) => c.notNull().defaultTo('default'))
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('keys_user').on('keys').column('user_id').execute();
  await db.schema.createIndex('keys_team').on('keys').column('team_id').execute();
  await db.schema.createIndex('keys_created').on('keys').columns(['created_at', 'token']).execute();

  await db.schema
    .createTable('deprecated_keys')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('active_token', 'text', (c) => c.notNull())
    .addColumn('revoke_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('alias', 'text')
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('max_budget', money)
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('blocked', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('allowed_model_region', 'text')
    .addColumn('default_model', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('changed_by', 'text')
    .addColumn('changed_by_api_key', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('before_value', 'text')
    .addColumn('updated_values', 'text')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    'audit_log',
    'customers',
    'deprecated_keys',
    'keys',
    'team_members',
    'teams',
    'users',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
