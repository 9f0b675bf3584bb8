import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type DatabaseIntrospector } from 'kysely';
import { migrateToLatest } from './migrate.js';

/**
 * A SQLite database whose catalog reads fail the first `failures` times with `code`, as
 * PostgreSQL's do when another client drops a schema while Kysely reads every schema's tables.
 */
function databaseWithFlakyCatalog(code: string, failures: number) {
  let reads = 0;
  class FlakyCatalogDialect extends SqliteDialect {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations use an untyped database
    override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
      const real = super.createIntrospector(db);
      return {
        getSchemas: () => real.getSchemas(),
        getMetadata: (options) => real.getMetadata(options),
        getTables: async (options) => {
          reads++;
          if (reads <= failures) {
            throw Object.assign(new Error('schema "t_gone" does not exist'), { code });
          }
          return real.getTables(options);
        },
      };
    }
  }
  const sqlite = new Database(':memory:');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const db = new Kysely<any>({ dialect: new FlakyCatalogDialect({ database: sqlite }) });
  return { db, reads: () => reads };
}

describe('migrateToLatest', () => {
  it('reads the catalog again when a schema vanished during the read (another client dropped it)', async () => {
    const { db } = databaseWithFlakyCatalog('3F000', 2);
    try {
      const result = await migrateToLatest(db);
      assert.equal(result.error, undefined);
      assert.ok((result.results ?? []).some((r) => r.migrationName === '0001-initial'));
      const tables = await db.introspection.getTables();
      assert.ok(tables.some((t) => t.name === 'keys'));
    } finally {
      await db.destroy();
    }
  });

  it('gives up after three reads, and never retries any other failure', async () => {
    const vanishing = databaseWithFlakyCatalog('3F000', 10);
    await assert.rejects(migrateToLatest(vanishing.db), /does not exist/);
    assert.equal(vanishing.reads(), 3);
    await vanishing.db.destroy();

    const denied = databaseWithFlakyCatalog('42501', 1);
    await assert.rejects(migrateToLatest(denied.db), /database migration unknown failed/);
    assert.equal(denied.reads(), 1);
    await denied.db.destroy();
  });
});
