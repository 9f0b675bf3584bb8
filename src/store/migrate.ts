/**
 * Versioned migrations, compiled into the package (no files to find at run time), applied in
 * order and recorded in `kysely_migration`. Migrations only ever add: an upgrade never loses data.
 */
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as initial from './migrations/0001-initial.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database by design
type AnyDb = Kysely<any>;

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
};

function migrator(db: AnyDb): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
}

export async function migrateToLatest(db: AnyDb): Promise<MigrationResultSet> {
  const result = await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String(result.error)}`, {
      cause: result.error,
    });
  }
  return result;
}

export async function migrationStatus(
  db: Kysely<unknown>,
): Promise<{ name: string; appliedAt?: Date }[]> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, appliedAt: m.executedAt }));
}
