/**
 * Shared budgets (LiteLLM's BudgetTable and `/budget/*`): a named set of limits that customers
 * point to with `budget_id` (a "free tier" for every end user on it). Each customer keeps its own
 * spend and window; the budget gives the limits. Customers without one are unchanged.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('budgets')
    .addColumn('budget_id', 'text', (c) => c.primaryKey())
    .addColumn('max_budget', 'double precision')
    .addColumn('soft_budget', 'double precision')
    .addColumn('max_parallel_requests', 'integer')
    .addColumn('tpm_limit', 'bigint')
    .addColumn('rpm_limit', 'bigint')
    .addColumn('model_max_budget', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('budget_duration', 'text')
    .addColumn('budget_reset_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('customers').addColumn('budget_id', 'text').execute();
  await db.schema.createIndex('customers_budget').on('customers').column('budget_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('customers_budget').ifExists().execute();
  await db.schema.alterTable('customers').dropColumn('budget_id').execute();
  await db.schema.dropTable('budgets').ifExists().execute();
}
