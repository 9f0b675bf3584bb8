/**
 * The spend batches written without a spend log row for each call (`disable_spend_logs`,
 * `disable_error_logs`): a batch's id is stored in the transaction that books it, so a batch
 * sent again after a commit that was not acknowledged is recognised and booked once, as the
 * spend log's request ids do for logged calls. The writer deletes an id once it knows its commit
 * went through, so the table holds a handful of rows.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('spend_batches')
    .addColumn('batch_id', 'text', (c) => c.primaryKey())
    .addColumn('written_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('spend_batches').ifExists().execute();
}
