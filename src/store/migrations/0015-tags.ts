/**
 * Tags with a budget (LiteLLM's TagTable and `/tag/*`): a tag is any label a call is booked
 * under (`metadata.tags`, `x-litellm-tags`, a key's or team's tags); a stored tag adds a
 * description, the models it is meant for and a budget (a `budgets` row, as LiteLLM keeps it)
 * that every call booked under the tag is held to. The tag's spend and the window it belongs to
 * are kept on its row, like an organization's.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('tags')
    .addColumn('tag_name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('models', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('budget_id', 'text')
    .addColumn('spend', 'double precision', (c) => c.notNull().defaultTo(0))
    // Always null: a tag's spend window runs by its budget's duration.
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tags_budget').on('tags').column('budget_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('tags_budget').ifExists().execute();
  await db.schema.dropTable('tags').ifExists().execute();
}
