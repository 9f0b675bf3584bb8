import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, it } from 'node:test';
import { openDatabase, SQLITE_CACHE_KIB } from './open-database.js';

describe('openDatabase on SQLite', () => {
  it("keeps SQLite's 2 MB page cache instead of better-sqlite3's 16 MB, with WAL and foreign keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const database = await openDatabase(`sqlite:${join(dir, 't.db')}`);
    try {
      const sqlite = database.sqlite;
      assert.ok(sqlite);
      assert.equal(SQLITE_CACHE_KIB, 2000);
      assert.equal(sqlite.pragma('cache_size', { simple: true }), -2000);
      assert.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(sqlite.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite transactions shared with another process', () => {
  it('a transaction that reads and then writes is not failed by a commit made in between', async () => {
    // Two gateways on one file: B commits between A's read and A's write. A deferred BEGIN would
    // make A's write fail at once with SQLITE_BUSY (its snapshot is stale); A holds the write lock
    // from BEGIN instead, so B waits for it (here: is told to retry, with no busy timeout).
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-open-'));
    const a = await openDatabase(`sqlite:${join(dir, 't.db')}`);
    const b = await openDatabase(`sqlite:${join(dir, 't.db')}`);
    try {
      a.sqlite!.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0)');
      b.sqlite!.pragma('busy_timeout = 0');
      let otherWrite: unknown;
      await a.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT n FROM counter`.execute(trx);
        try {
          b.sqlite!.prepare('UPDATE counter SET n = n + 100').run();
        } catch (error: unknown) {
          otherWrite = error;
        }
        await sql`UPDATE counter SET n = ${rows[0]!.n + 1}`.execute(trx);
      });
      assert.equal((otherWrite as { code?: string } | undefined)?.code, 'SQLITE_BUSY');
      assert.equal(b.sqlite!.prepare('SELECT n FROM counter').pluck().get(), 1);
      // Once A committed, B's write goes through and sees A's.
      b.sqlite!.prepare('UPDATE counter SET n = n + 100').run();
      assert.equal(a.sqlite!.prepare('SELECT n FROM counter').pluck().get(), 101);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
