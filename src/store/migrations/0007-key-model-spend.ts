/**
 * Spend of a key per model, for its `model_max_budget`: one row per key and budgeted model,
 * holding the spend of the current window and when that window ends (`budget_reset_at`, ISO-8601
 * UTC; '' for a budget that never resets, so that the column compares with `=` on both
 * databases). The row is made by the first booking of that model and follows the key when it is
 * regenerated; deleting the key deletes it.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('key_model_spend')
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('spend', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('budget_reset_at', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('key_model_spend_pk', ['token', 'model'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('key_model_spend').ifExists().execute();
}
