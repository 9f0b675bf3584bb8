/**
 * Nothing lost, nothing doubled: a PostgreSQL server of the test's own is stopped while calls
 * are booked, then started again. The outbox keeps everything, retries, and once the server is
 * back every call is in the spend log exactly once and the totals match it to the cent, including
 * a batch whose commit went through but whose acknowledgement was lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { StoreSpendLedger, type SpendWriter } from '../src/spend/spend-ledger.js';
import { openDatabase } from '../src/store/open-database.js';
import { createStore } from '../src/store/store.js';
import type { OpenedTestStore } from './helpers/databases.js';
import {
  privatePostgresSkip,
  startPrivatePostgres,
  type PrivatePostgres,
} from './helpers/private-postgres.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';
import { cents, spendEntry, storedTotals } from './helpers/spend-entries.js';
import { counterKey } from '../src/spend/counter-store.js';

const skip = privatePostgresSkip();

/** Resolves once `condition` holds, checking as the event loop turns (no timing assertion). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe('spend outbox across a database outage', { skip }, () => {
  let server: PrivatePostgres;
  let opened: OpenedTestStore;
  const keyHash = sha256('sk-outage');
  const ids = { keyHash, userId: 'u-outage', teamId: 't-outage', customerId: 'c-outage' };

  before(async () => {
    server = await startPrivatePostgres();
    const database = await openDatabase(server.url);
    const store = createStore(database);
    opened = { store, database, url: server.url, close: () => store.close() };
    await store.users.create(userRecord({ user_id: ids.userId }));
    await store.teams.create(teamRecord({ team_id: ids.teamId }));
    await store.teams.addMember(memberRecord({ team_id: ids.teamId, user_id: ids.userId }));
    await store.keys.create(
      keyRecord({ token: keyHash, user_id: ids.userId, team_id: ids.teamId }),
    );
  });
  after(async () => {
    await opened?.close();
    await server?.destroy();
  });

  it('keeps spend while the server is down and writes it exactly once when it is back', async () => {
    let failures = 0;
    let loseNextAck = false;
    const writer: SpendWriter = {
      record: async (rows, now) => {
        try {
          const added = await opened.store.spend.record(rows, now);
          if (loseNextAck) {
            // The commit happened; the gateway never hears of it and sends the batch again.
            loseNextAck = false;
            throw new Error('connection lost after commit');
          }
          return added;
        } catch (error: unknown) {
          failures += 1;
          throw error;
        }
      },
    };
    const ledger = new StoreSpendLedger({
      store: writer,
      logger: pino({ level: 'silent' }),
      intervalMs: 10,
      batchSize: 8,
      minBackoffMs: 10,
      maxBackoffMs: 50,
    });
    const book = (cost: number) =>
      ledger.book(
        spendEntry({
          cost,
          keyHash,
          userId: ids.userId,
          teamId: ids.teamId,
          customerId: ids.customerId,
        }),
      );
    let expected = 0;
    let calls = 0;
    const serve = (n: number) => {
      for (let i = 0; i < n; i += 1) {
        const cost = (calls % 7) * 0.0101 + 0.0003;
        calls += 1;
        expected += cost;
        book(cost);
      }
    };

    serve(20);
    await ledger.flush();
    assert.equal((await storedTotals(opened, ids)).logRows, 20);

    await server.stop();
    serve(30);
    await eventually(() => failures >= 2, 'the writer to fail against the stopped server');
    assert.equal(ledger.queued(), 30, 'nothing is dropped while the server is down');
    assert.ok(ledger.pendingFor(counterKey('key', keyHash)) > 0);
    assert.ok(ledger.pendingFor(counterKey('customer', ids.customerId)) > 0);

    loseNextAck = true;
    await server.start();
    serve(25);
    await ledger.flush();
    await ledger.close();

    assert.equal(loseNextAck, false, 'a batch was committed and then re-sent');
    assert.equal(ledger.pendingFor(counterKey('key', keyHash)), 0);
    const sum = cents(expected);
    assert.deepEqual(await storedTotals(opened, ids), {
      logRows: calls,
      logSpend: sum,
      dailySpend: sum,
      dailyRequests: calls,
      key: sum,
      user: sum,
      team: sum,
      member: sum,
      customer: sum,
    });
  });
});
