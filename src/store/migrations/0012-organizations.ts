/**
 * Organizations (LiteLLM's OrganizationTable and OrganizationMembership): a level above teams with
 * its own models and a budget (a `budgets` row, as LiteLLM keeps it), and members with a role in
 * it (`org_admin`, `internal_user`, `internal_user_viewer`). Teams already carry their
 * `organization_id`. The organization's spend and the window it belongs to are kept on its row,
 * like a team's.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

const money = 'double precision' as const;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('organization_id', 'text', (c) => c.primaryKey())
    .addColumn('organization_alias', 'text', (c) => c.notNull())
    .addColumn('budget_id', 'text')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    // Always null: the duration is the budget's; the column lets spend windows roll as a team's.
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('organization_members')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_role', 'text', (c) => c.notNull())
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('budget_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('organization_members_pk', ['organization_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('organization_members_user')
    .on('organization_members')
    .column('user_id')
    .execute();
  await db.schema.createIndex('teams_organization').on('teams').column('organization_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('teams_organization').execute();
  await db.schema.dropTable('organization_members').execute();
  await db.schema.dropTable('organizations').execute();
}
