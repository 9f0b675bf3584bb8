/**
 * PostgreSQL going away while the store holds a connection between two queries (inside a
 * transaction: the spend writer's flush, an admin change with its audit rows) must fail that work
 * with an error, never crash the process, and the store must work again once the server is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type StoreDatabase } from '../src/store/open-database.js';
import {
  privatePostgresSkip,
  startPrivatePostgres,
  type PrivatePostgres,
} from './helpers/private-postgres.js';

const skip = privatePostgresSkip();

describe('a PostgreSQL connection lost in the middle of a transaction', { skip }, () => {
  let server: PrivatePostgres;
  let database: StoreDatabase;
  const uncaught: unknown[] = [];
  const record = (error: unknown) => uncaught.push(error);

  before(async () => {
    process.on('uncaughtException', record);
    server = await startPrivatePostgres();
    database = await openDatabase(server.url);
  });
  after(async () => {
    process.off('uncaughtException', record);
    await database?.db.destroy();
    await server?.destroy();
  });

  it('fails the transaction, crashes nothing, and the next query after the restart works', async () => {
    const transaction = database.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      // The server goes away while this connection is checked out and idle between queries.
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sql`select 2`.execute(trx);
    });
    await assert.rejects(transaction);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(uncaught, [], 'an error event of the lost connection reached the process');

    await server.start();
    const { rows } = await sql<{ n: number }>`select 3 as n`.execute(database.db);
    assert.equal(rows[0]?.n, 3);
  });
});
