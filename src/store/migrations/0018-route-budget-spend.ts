/**
 * The spend of the budgets routing keeps to (src/spend/route-budgets.ts): a provider's
 * (`provider_budget_config`) or a deployment's (`litellm_params.max_budget`), in the window ending
 * `budget_reset_at` (`''` for a budget that never resets). Added to in the transaction of each
 * call's spend-log row, read when the gateway starts (and every second in cluster mode), so a
 * restart or another replica knows what a provider has already cost in the current window.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('route_budget_spend')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('spend', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('budget_reset_at', 'text', (c) => c.notNull().defaultTo(''))
    .addPrimaryKeyConstraint('route_budget_spend_pk', ['kind', 'id'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('route_budget_spend').ifExists().execute();
}
