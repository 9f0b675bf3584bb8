/**
 * What a call asked and answered, kept apart from its spend log row
 * (`general_settings.store_prompts_in_spend_logs`): only calls made while the setting is on have a
 * row here, so the spend log's own rows stay small and the table costs nothing while it is off.
 * `startTime` is the call's, for retention to delete old rows by.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('spend_log_payloads')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('startTime', 'text', (c) => c.notNull())
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('spend_log_payloads_start')
    .on('spend_log_payloads')
    .column('startTime')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('spend_log_payloads').ifExists().execute();
}
