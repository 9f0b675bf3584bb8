/**
 * Two connections to one SQLite file in one process (two gateways started in one test process, a
 * tool next to a gateway): a spend batch must not leave the write lock held across a turn of the
 * event loop. A write from the other connection during that turn would wait for the lock on the
 * only thread that could release it, for the whole busy timeout (5 s), with every request of the
 * process stalled; letting the loop turn inside a batch did exactly that.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toSpendRow } from '../src/spend/spend-ledger.js';
import { openDatabase, type StoreDatabase } from '../src/store/open-database.js';
import { createStore, type Store } from '../src/store/store.js';
import { keyRecord, sha256 } from './helpers/records.js';
import { spendEntry } from './helpers/spend-entries.js';

describe('spend batches on a SQLite file another connection of the process writes to', () => {
  let dir: string;
  let store: Store;
  let other: StoreDatabase;
  const keyHash = sha256('sk-lock');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-lock-'));
    store = createStore(await openDatabase(`sqlite:${join(dir, 't.db')}`));
    other = await openDatabase(`sqlite:${join(dir, 't.db')}`);
    // Refused at once instead of after 5 s: the test then fails fast.
    other.sqlite!.pragma('busy_timeout = 0');
    other.sqlite!.exec('CREATE TABLE probe (n INTEGER NOT NULL)');
    await store.keys.create(keyRecord({ token: keyHash }));
  });
  after(async () => {
    await store?.close();
    await other?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the write lock across no turn of the event loop while it writes a batch', async () => {
    const rows = Array.from({ length: 128 }, () => toSpendRow(spendEntry({ keyHash, cost: 0.01 })));
    const refused: unknown[] = [];
    let writing = true;
    const probe = () => {
      if (!writing) return;
      try {
        other.sqlite!.prepare('INSERT INTO probe VALUES (1)').run();
      } catch (error: unknown) {
        refused.push(error);
      }
      setImmediate(probe);
    };
    setImmediate(probe);
    assert.equal(await store.spend.record(rows, Date.now()), 128);
    writing = false;
    assert.deepEqual(
      refused.map((e) => (e as { code?: string }).code),
      [],
      'the other connection found the file locked during a turn',
    );
  });
});
