/**
 * Web UI sign-in: server-side sessions (only the SHA-256 of a session id is kept, so a copy of
 * the database opens no session) and LiteLLM's invitation links (InvitationLink), which go with
 * their user.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('ui_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    // Not a foreign key: the UI admin (`default_user_id`) may have no user row.
    .addColumn('user_id', 'text', (c) => c.notNull())
    /** `user`, or `ui_admin` for the UI_USERNAME / UI_PASSWORD login. */
    .addColumn('kind', 'text', (c) => c.notNull())
    /** For `ui_admin`: a digest of the admin credentials, so changing UI_PASSWORD ends them. */
    .addColumn('credential_tag', 'text')
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ui_sessions_user').on('ui_sessions').column('user_id').execute();
  await db.schema
    .createIndex('ui_sessions_expires')
    .on('ui_sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) =>
      c.notNull().references('users.user_id').onDelete('cascade'),
    )
    .addColumn('is_accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted_at', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invitations_user').on('invitations').column('user_id').execute();
  await db.schema
    .createIndex('invitations_created')
    .on('invitations')
    .columns(['created_at', 'id'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('invitations').ifExists().execute();
  await db.schema.dropTable('ui_sessions').ifExists().execute();
}
