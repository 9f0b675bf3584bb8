/**
 * Models stored in the database (LiteLLM's ProxyModelTable): `/model/new` and friends. The
 * provider credentials in `litellm_params` are encrypted value by value (store/credential-cipher.ts).
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('models')
    .addColumn('model_id', 'text', (c) => c.primaryKey())
    .addColumn('model_name', 'text', (c) => c.notNull())
    .addColumn('litellm_params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('model_info', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('models').ifExists().execute();
}
