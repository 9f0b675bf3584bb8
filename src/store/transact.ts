/**
 * Runs `work` in a transaction, or inside the one `db` already is: repositories built over a
 * transaction (the audited ones) call methods that open their own, and Kysely does not nest.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema.js';

export function transact<T>(
  db: Kysely<DatabaseSchema>,
  work: (trx: Kysely<DatabaseSchema>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
