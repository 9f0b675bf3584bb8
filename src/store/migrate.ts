/**
 * Versioned migrations, compiled into the package (no files to find at run time), applied in
 * order and recorded in `kysely_migration`. Migrations only ever add: an upgrade never loses data.
 */
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as initial from './migrations/0001-initial.js';
import * as keyListingIndexes from './migrations/0002-key-listing-indexes.js';
import * as models from './migrations/0003-models.js';
import * as spend from './migrations/0004-spend.js';
import * as sessionsInvitations from './migrations/0005-sessions-invitations.js';
import * as teamListOrder from './migrations/0006-team-list-order.js';
import * as keyModelSpend from './migrations/0007-key-model-spend.js';
import * as teamMemberWindows from './migrations/0008-team-member-windows.js';
import * as budgets from './migrations/0009-budgets.js';
import * as keyBudgets from './migrations/0010-key-budgets.js';
import * as customerLimits from './migrations/0011-customer-limits.js';
import * as organizations from './migrations/0012-organizations.js';
import * as keyOrganizations from './migrations/0013-key-organizations.js';
import * as spendLogPartialIndexes from './migrations/0014-spend-log-partial-indexes.js';
import * as tags from './migrations/0015-tags.js';
import * as spendBatches from './migrations/0016-spend-batches.js';
import * as spendLogPayloads from './migrations/0017-spend-log-payloads.js';
import * as routeBudgetSpend from './migrations/0018-route-budget-spend.js';
import * as dailyTagDimensions from './migrations/0019-daily-tag-dimensions.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped database by design
type AnyDb = Kysely<any>;

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-key-listing-indexes': keyListingIndexes,
  '0003-models': models,
  '0004-spend': spend,
  '0005-sessions-invitations': sessionsInvitations,
  '0006-team-list-order': teamListOrder,
  '0007-key-model-spend': keyModelSpend,
  '0008-team-member-windows': teamMemberWindows,
  '0009-budgets': budgets,
  '0010-key-budgets': keyBudgets,
  '0011-customer-limits': customerLimits,
  '0012-organizations': organizations,
  '0013-key-organizations': keyOrganizations,
  '0014-spend-log-partial-indexes': spendLogPartialIndexes,
  '0015-tags': tags,
  '0016-spend-batches': spendBatches,
  '0017-spend-log-payloads': spendLogPayloads,
  '0018-route-budget-spend': routeBudgetSpend,
  '0019-daily-tag-dimensions': dailyTagDimensions,
};

/**
 * `schema` (PostgreSQL) keeps the bookkeeping tables in the store's own schema: Kysely otherwise
 * takes a `kysely_migration` table in any schema of the database for its own.
 */
function migrator(db: AnyDb, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Kysely finds its bookkeeping tables by reading the catalog of every schema in the database; a
 * schema that another client drops during that read fails it with `invalid_schema_name`
 * (3F000), though nothing is wrong with ours. Nothing has been applied then, so it is read again.
 */
const CATALOG_RACE_ATTEMPTS = 3;

/** Applies the migrations up to and including `name` (upgrade tests start from an older store). */
export async function migrateUpTo(
  db: AnyDb,
  name: string,
  schema?: string,
): Promise<MigrationResultSet> {
  return migrator(db, schema).migrateTo(name);
}

export async function migrateToLatest(db: AnyDb, schema?: string): Promise<MigrationResultSet> {
  let result = await migrator(db, schema).migrateToLatest();
  for (let attempt = 1; attempt < CATALOG_RACE_ATTEMPTS && isCatalogRace(result); attempt++) {
    result = await migrator(db, schema).migrateToLatest();
  }
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String(result.error)}`, {
      cause: result.error,
    });
  }
  return result;
}

function isCatalogRace(result: MigrationResultSet): boolean {
  const error = result.error as { code?: unknown } | undefined;
  return error?.code === '3F000' && !(result.results ?? []).some((r) => r.status !== 'NotExecuted');
}

export async function migrationStatus(
  db: AnyDb,
  schema?: string,
): Promise<{ name: string; appliedAt?: Date }[]> {
  const list = await migrator(db, schema).getMigrations();
  return list.map((m) => ({ name: m.name, appliedAt: m.executedAt }));
}
