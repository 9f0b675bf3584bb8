/**
 * A customer's own `max_parallel_requests` and `soft_budget`, which LiteLLM's `/customer/new`
 * takes inline; before, only a shared budget could give a customer a parallel limit.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('customers').addColumn('max_parallel_requests', 'integer').execute();
  await db.schema.alterTable('customers').addColumn('soft_budget', 'double precision').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('customers').dropColumn('soft_budget').execute();
  await db.schema.alterTable('customers').dropColumn('max_parallel_requests').execute();
}
