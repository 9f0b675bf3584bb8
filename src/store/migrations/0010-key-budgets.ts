/**
 * Keys on shared budgets (`budget_id` of `/key/generate`, as in LiteLLM): the budget's limits
 * apply where the key sets none itself. Keys without one are unchanged.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('keys').addColumn('budget_id', 'text').execute();
  await db.schema.createIndex('keys_budget').on('keys').column('budget_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('keys_budget').ifExists().execute();
  await db.schema.alterTable('keys').dropColumn('budget_id').execute();
}
