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
import type { SqliteDialectConfig } from 'kysely';

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
