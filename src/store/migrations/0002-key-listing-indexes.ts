/**
 * Indexes for `/key/list` and regeneration: a page of one user's or one team's keys, newest
 * first, is read straight off an index (no sort of every match), and grace-period secrets are
 * found by the key they lead to. The composite indexes cover the single-column ones they replace.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createIndex('keys_user_created')
    .on('keys')
    .columns(['user_id', 'created_at', 'token'])
    .execute();
  await db.schema
    .createIndex('keys_team_created')
    .on('keys')
    .columns(['team_id', 'created_at', 'token'])
    .execute();
  await db.schema.dropIndex('keys_user').ifExists().execute();
  await db.schema.dropIndex('keys_team').ifExists().execute();
  await db.schema
    .createIndex('deprecated_keys_active')
    .on('deprecated_keys')
    .column('active_token')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('deprecated_keys_active').ifExists().execute();
  await db.schema.createIndex('keys_user').on('keys').column('user_id').execute();
  await db.schema.createIndex('keys_team').on('keys').column('team_id').execute();
  await db.schema.dropIndex('keys_team_created').ifExists().execute();
  await db.schema.dropIndex('keys_user_created').ifExists().execute();
}
