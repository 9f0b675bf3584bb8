/**
 * Kysely's SQLite dialect with write transactions that take SQLite's write lock when they begin
 * (`BEGIN IMMEDIATE`) instead of at their first write (`BEGIN`, deferred).
 *
 * Several gateways may share one SQLite file. A deferred transaction that reads and then writes
 * (the spend writer reads each scope's budget window before it adds to it; admin changes check
 * before they insert) starts from a snapshot; when another process commits in between, its first
 * write fails at once with SQLITE_BUSY (the snapshot is stale), and `busy_timeout` cannot help,
 * since waiting would not make the snapshot current. Taking the lock at `BEGIN` makes the
 * transaction wait its turn there (up to `busy_timeout`) and then read current data.
 */
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import type { SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** Prepared statements kept per connection: every query text the gateway sends, with room. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The connection as Kysely sees it, with its prepared statements reused. Kysely prepares every
 * query anew (SQLite parses the text and plans it each time: more than running a small statement
 * costs); the gateway sends the same few texts over and over (the spend writer's reads, updates
 * and upserts of every batch, the admin routes' queries). The least recently used statement is
 * dropped beyond `size`; one that is still being iterated is never handed out twice.
 */
export function reusingStatements(
  database: BetterSqlite3.Database,
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (sql: string): SqliteStatement => {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) {
        // Most recently used last: Map keeps insertion order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached === undefined) {
        statements.set(sql, statement);
        if (statements.size > size) statements.delete(statements.keys().next().value as string);
      }
      return statement;
    },
  };
}
