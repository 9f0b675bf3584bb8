import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
