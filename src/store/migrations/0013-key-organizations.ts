/**
 * Keys of an organization (`organization_id` of `/key/generate`, as in LiteLLM): a key outside
 * any team can belong to an organization directly, and is held to its models and budget. Keys
 * without one are unchanged.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('keys').addColumn('organization_id', 'text').execute();
  await db.schema.createIndex('keys_organization').on('keys').column('organization_id').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('keys_organization').ifExists().execute();
  await db.schema.alterTable('keys').dropColumn('organization_id').execute();
}
