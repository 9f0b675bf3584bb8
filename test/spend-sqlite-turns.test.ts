/**
 * better-sqlite3 writes on the thread that serves requests: a batch of spend rows written in one
 * go held every request for its whole length (~3 ms for 128 rows). The SQLite repository lets the
 * event loop turn every 32 rows of a batch, and before the totals, within the same transaction,
 * and the batch is still written whole and once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { toSpendRow } from '../src/spend/spend-ledger.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { keyRecord, sha256 } from './helpers/records.js';
import { spendEntry, storedTotals } from './helpers/spend-entries.js';

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite')!;

/** What `work` resolves to, and how many turns the event loop took while it ran. */
async function countingTurns<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const count = () => {
    if (!running) return;
    turns += 1;
    setImmediate(count);
  };
  setImmediate(count);
  const result = await work();
  running = false;
  return { result, turns };
}

describe('spend batches on SQLite', () => {
  let opened: OpenedTestStore;
  const keyHash = sha256('sk-turns');

  before(async () => {
    opened = await sqlite.open();
    await opened.store.keys.create(keyRecord({ token: keyHash }));
  });
  after(async () => {
    await opened?.close();
  });

  it('lets the event loop turn every 32 rows of a batch, and writes it whole, once', async () => {
    const rows = Array.from({ length: 128 }, () => toSpendRow(spendEntry({ keyHash, cost: 0.01 })));
    const { result: added, turns } = await countingTurns(() =>
      opened.store.spend.record(rows, Date.now()),
    );
    assert.equal(added, 128);
    // 128 rows: a turn after the 32nd, 64th and 96th, one before the totals, one before the daily
    // aggregates.
    assert.ok(turns >= 5, `the event loop turned ${turns} times while 128 rows were written`);
    assert.equal(await opened.store.spend.record(rows, Date.now()), 0, 'a batch sent again');
    const totals = await storedTotals(opened, { keyHash, userId: '', teamId: '', customerId: '' });
    assert.equal(totals.logRows, 128);
    assert.equal(totals.dailyRequests, 128);
    assert.equal(totals.key, 1.28);
  });

  it('writes a batch of 32 rows or fewer in one go', async () => {
    // A small batch is ~1 ms: a turn inside it would only hold the write lock open longer.
    const smallKey = sha256('sk-turns-small');
    await opened.store.keys.create(keyRecord({ token: smallKey }));
    const rows = Array.from({ length: 32 }, () =>
      toSpendRow(spendEntry({ keyHash: smallKey, cost: 0.01 })),
    );
    const { result: added, turns } = await countingTurns(() =>
      opened.store.spend.record(rows, Date.now()),
    );
    assert.equal(added, 32);
    assert.equal(turns, 0, `the event loop turned ${turns} times while 32 rows were written`);
  });
});
