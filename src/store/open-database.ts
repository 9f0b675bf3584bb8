/**
 * Opens the store named by a database URL: a SQLite file by default (`sqlite:PATH`, a bare path,
 * or `sqlite::memory:`), PostgreSQL for `postgres://` / `postgresql://` URLs. Migrations run on
 * open, so a new or older database is always at the current schema.
 */
import type Database from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import { migrateToLatest } from './migrate.js';
import type { DatabaseSchema } from './schema.js';
import { ImmediateSqliteDialect, reusingStatements } from './sqlite-dialect.js';

export type Dialect = 'sqlite' | 'postgres';

export interface StoreDatabase {
  db: Kysely<DatabaseSchema>;
  dialect: Dialect;
  /** Where it lives, with any password removed: for logs and /health/readiness. */
  description: string;
  /** PostgreSQL schema the tables live in. */
  schema?: string;
  /**
   * The SQLite connection under Kysely, for the few hot writes that reuse prepared statements
   * (Kysely prepares every query anew). Same connection, so they join Kysely's transactions.
   */
  sqlite?: Database.Database;
  /** Migrations applied while opening, oldest first (empty when it was up to date). */
  applied: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL schema to use (created if missing); tests use one each. */
  schema?: string;
  /** Skip migrations (for `tollgate migrate --status`-style tools). */
  migrate?: boolean;
}

export const DEFAULT_SQLITE_PATH = './tollgate.db';

/** SQLite's page cache per connection, KiB (SQLite's own default; see openSqlite). */
export const SQLITE_CACHE_KIB = 2000;

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<StoreDatabase> {
  const opened = /^postgres(ql)?:\/\//i.test(url)
    ? await openPostgres(url, options)
    : await openSqlite(sqlitePath(url));
  if (options.migrate !== false) {
    const result = await migrateToLatest(opened.db, opened.schema).catch(async (error: unknown) => {
      await opened.close();
      throw error;
    });
    opened.applied = (result.results ?? []).map((r) => r.migrationName);
  }
  return opened;
}

/** `sqlite:PATH`, `sqlite://PATH`, `file:PATH` or a bare path → the file path. */
export function sqlitePath(url: string): string {
  const match = /^(?:sqlite:(?:\/\/)?|file:)(.*)$/i.exec(url);
  const path = match ? (match[1] ?? '') : url;
  return path === '' ? DEFAULT_SQLITE_PATH : path;
}

// Each driver is loaded by the first store that needs it: a gateway on SQLite never loads pg
// (~3 MB of heap), one on PostgreSQL or without a store never loads better-sqlite3.
async function openSqlite(path: string): Promise<StoreDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; the gateway's writes
  // append (spend log rows, time-ordered ids) and fill it with pages never read again, ~16 MB of
  // resident memory under load. SQLite's own default, 2 MB, holds every page the request path
  // reads again; the operating system caches the rest of the file.
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const db = new Kysely<DatabaseSchema>({
    dialect: new ImmediateSqliteDialect({ database: reusingStatements(sqlite) }),
  });
  return {
    db,
    dialect: 'sqlite',
    description: `sqlite:${path}`,
    sqlite,
    applied: [],
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<StoreDatabase> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name "${schema}"`);
  }
  const { default: pg } = await import('pg');
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A dropped connection must not crash the process; the next query reconnects. The pool
  // listens to its idle connections only: one checked out between two queries (inside a
  // transaction) would emit its error to nobody, an uncaught exception. The query or commit that
  // follows fails with the error instead, and the pool discards the connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  let current = schema;
  if (!current) {
    const result = await pool
      .query<{ s: string }>('select current_schema() as s')
      .catch(async (error: unknown) => {
        await db.destroy();
        throw error;
      });
    current = result.rows[0]?.s ?? 'public';
  }
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    description: safe.toString(),
    schema: current,
    applied: [],
    close: () => db.destroy(),
  };
}
