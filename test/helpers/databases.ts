/**
 * The databases every store and API suite runs on: SQLite (a fresh temporary file each time) and
 * PostgreSQL (a fresh schema each time, dropped on close). Without `CI`, an unreachable
 * PostgreSQL skips its variant with the reason shown; in CI it must run.
 *
 *   for (const database of await testDatabases()) {
 *     describe(database.name, { skip: database.skip }, () => { ... await database.open() ... });
 *   }
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type StoreDatabase } from '../../src/store/open-database.js';
import { createStore, type Store } from '../../src/store/store.js';

export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export interface OpenedTestStore {
  store: Store;
  /** The Kysely handle under the store, for bulk seeding. */
  database: StoreDatabase;
  /** The URL the store was opened with (for the CLI and restarts). */
  url: string;
  /** PostgreSQL schema, when there is one. */
  schema?: string;
  /** Closes the store and removes its file or schema. */
  close(): Promise<void>;
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** Set when this variant cannot run here; pass it to describe's `skip`. */
  skip?: string;
  open(): Promise<OpenedTestStore>;
}

let postgresCheck: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers, otherwise why it cannot be used. */
function postgresUnavailable(): Promise<string | undefined> {
  postgresCheck ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error: unknown) {
      return `PostgreSQL is not reachable at ${POSTGRES_URL} (${(error as Error).message}); it is required when CI is set`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresCheck;
}

export async function testDatabases(): Promise<TestDatabase[]> {
  const unavailable = await postgresUnavailable();
  return [
    { name: 'sqlite', open: openSqlite },
    {
      name: 'postgres',
      skip: unavailable !== undefined && !process.env.CI ? unavailable : undefined,
      open: openPostgres,
    },
  ];
}

async function openSqlite(): Promise<OpenedTestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-'));
  const url = `sqlite:${join(dir, 'test.db')}`;
  const database = await openDatabase(url);
  const store = createStore(database);
  return {
    store,
    database,
    url,
    close: async () => {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<OpenedTestStore> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase(POSTGRES_URL, { schema });
  const store = createStore(database);
  return {
    store,
    database,
    url: POSTGRES_URL,
    schema,
    close: async () => {
      // A test may have closed the store already; the schema goes either way.
      await store.close().catch(() => undefined);
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
