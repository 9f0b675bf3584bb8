/**
 * Web UI sessions. A session is found by the SHA-256 of its id (the id itself lives only in the
 * browser's cookie); ending sessions is by id, by user (a password change) or by expiry.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema, UiSessionTable } from './schema.js';

export type SessionKind = 'user' | 'ui_admin';

export interface SessionRecord extends Omit<UiSessionTable, 'kind'> {
  kind: SessionKind;
}

export class SessionRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(session: SessionRecord): Promise<void> {
    await this.db.insertInto('ui_sessions').values(session).execute();
  }

  async findByHash(idHash: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('ui_sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row && { ...row, kind: row.kind === 'ui_admin' ? 'ui_admin' : 'user' };
  }

  async touch(idHash: string, at: string): Promise<void> {
    await this.db
      .updateTable('ui_sessions')
      .set({ last_seen_at: at })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('ui_sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a user but `keepHash` (the one that changed the password). */
  async deleteForUser(userId: string, keepHash?: string): Promise<number> {
    let q = this.db.deleteFrom('ui_sessions').where('user_id', '=', userId);
    if (keepHash !== undefined) q = q.where('id_hash', '!=', keepHash);
    const result = await q.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Removes sessions that expired before `at` (ISO-8601). */
  async deleteExpired(at: string): Promise<number> {
    const result = await this.db
      .deleteFrom('ui_sessions')
      .where('expires_at', '<=', at)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
