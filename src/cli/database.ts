/**
 * Which database the `tollgate` command uses, and `tollgate migrate`. `DATABASE_URL` (or
 * `general_settings.database_url`) picks it: a `postgresql://` URL, `sqlite:PATH`, or `none`;
 * otherwise the embedded default, the SQLite file `./tollgate.db`, so keys survive restarts.
 */
import type { Logger } from 'pino';
import { migrateToLatest, migrationStatus } from '../store/migrate.js';
import { DEFAULT_SQLITE_PATH, openDatabase } from '../store/open-database.js';
import { createStore, type Store } from '../store/store.js';

/** The URL to open, or undefined to run without a database. */
export function databaseUrlFor(
  configured: string | undefined,
  enabled: boolean,
): string | undefined {
  if (!enabled) return undefined;
  const url = configured?.trim();
  if (url?.toLowerCase() === 'none') return undefined;
  return url || `sqlite:${DEFAULT_SQLITE_PATH}`;
}

/** Opens the store, applying any pending migrations, and says so in the log. */
export async function openGatewayStore(url: string, logger: Logger): Promise<Store> {
  const store = createStore(await openDatabase(url));
  for (const name of store.applied) logger.info(`store: applied migration ${name}`);
  logger.info(`store: ${store.description}`);
  return store;
}

/** `tollgate migrate`: applies pending migrations and returns what to print. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const database = await openDatabase(url, { migrate: false });
  try {
    const result = await migrateToLatest(database.db, database.schema);
    const applied = (result.results ?? []).map((r) => r.migrationName);
    const all = await migrationStatus(database.db, database.schema);
    const latest = all.at(-1)?.name ?? 'none';
    const lines = [`database: ${database.description}`];
    for (const name of applied) lines.push(`applied ${name}`);
    lines.push(
      applied.length === 0
        ? `up to date: ${all.length} migration(s), latest ${latest}`
        : `${applied.length} migration(s) applied; now at ${latest}`,
    );
    return lines;
  } finally {
    await database.close();
  }
}

/** Rows per DELETE of `tollgate prune-spend-logs`: each is its own short transaction. */
const PRUNE_ROWS = 5_000;

/**
 * `tollgate prune-spend-logs`: deletes (or with `dryRun` counts) the spend log rows that started
 * before `cutoff`, and the per-tag daily totals of days before `tagCutoff`; returns what to print.
 */
export async function pruneSpendLogs(
  url: string,
  options: { cutoff?: Date; tagCutoff?: Date; dryRun: boolean },
): Promise<string[]> {
  const database = await openDatabase(url);
  const store = createStore(database);
  try {
    const lines = [`database: ${database.description}`];
    if (options.cutoff) {
      const before = options.cutoff.toISOString();
      if (options.dryRun) {
        const count = await store.spend.countLogsBefore(before);
        lines.push(`would delete ${count} spend log rows that started before ${before}`);
      } else {
        let deleted = 0;
        for (;;) {
          const n = await store.spend.deleteLogsBefore(before, PRUNE_ROWS);
          deleted += n;
          if (n < PRUNE_ROWS) break;
        }
        // The kept requests and answers of those calls go with them.
        while ((await store.spend.deletePayloadsBefore(before, PRUNE_ROWS)) === PRUNE_ROWS);
        lines.push(`deleted ${deleted} spend log rows that started before ${before}`);
      }
    }
    if (options.tagCutoff) {
      const day = options.tagCutoff.toISOString().slice(0, 10);
      if (options.dryRun) {
        lines.push(`would delete the daily tag totals of the days before ${day}`);
      } else {
        const n = await store.spend.deleteDailyTagSpendBefore(day);
        lines.push(`deleted ${n} daily tag totals of the days before ${day}`);
      }
    }
    lines.push(
      'the spend of keys, users, teams and customers and the daily totals the reports read are kept',
    );
    return lines;
  } finally {
    await store.close();
  }
}
