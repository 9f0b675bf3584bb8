/**
 * `tollgate import-litellm --from postgresql://…`: moves a LiteLLM proxy's users, teams,
 * memberships, keys (by their SHA-256 hash, so the same secrets keep working), budgets, spend
 * totals, customers, organizations and their members, tags with their budgets, and with
 * `--with-spend-logs` its spend log, into the database the gateway uses (`DATABASE_URL` or the
 * config's `general_settings.database_url`, as `tollgate migrate` finds it). Re-running updates what
 * changed and adds nothing twice; `--dry-run` prints the same report and writes nothing.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { buildConfig, loadConfigFile } from '../config/load-config.js';
import { migrationStatus } from '../store/migrate.js';
import { openDatabase, sqlitePath, type StoreDatabase } from '../store/open-database.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { reportFailure } from './command-kit.js';
import { databaseUrlFor } from './database.js';
import { mapLiteLLM } from './import-litellm-mapping.js';
import { planImport } from './import-litellm-plan.js';
import { importReport, renderImportReport } from './import-litellm-report.js';
import { importSpendLogs } from './import-litellm-spend-logs.js';
import { LiteLLMSource } from './import-litellm-source.js';
import { outputFormatOf, Printer, type OutputFlags } from './output.js';

interface ImportOptions extends OutputFlags {
  from: string;
  config?: string;
  dryRun?: boolean;
  withSpendLogs?: boolean;
}

export function registerImportLiteLLMCommand(program: Command, io: CliIo): void {
  program
    .command('import-litellm')
    .description(
      "copy users, teams, members, keys, budgets, spend, customers, organizations and tags from a LiteLLM proxy's database into Tollgate's",
    )
    .requiredOption(
      '--from <url>',
      'the LiteLLM database: postgresql://user:password@host:5432/litellm (?schema=NAME as for Prisma)',
    )
    .option(
      '-c, --config <file>',
      "config.yaml whose general_settings.database_url is Tollgate's database (else DATABASE_URL)",
    )
    .option('--dry-run', 'print what would be imported and change nothing')
    .option('--with-spend-logs', 'also copy the spend log and rebuild the daily spend totals')
    .option('--json', 'print the report as JSON')
    .option('-o, --output <format>', 'table (default), json or yaml')
    .action(async (options: ImportOptions) => {
      try {
        await importLiteLLM(io, options);
      } catch (error: unknown) {
        reportFailure(io, error);
      }
    });
}

async function importLiteLLM(io: CliIo, options: ImportOptions): Promise<void> {
  const out = new Printer(io, outputFormatOf(options));
  const dryRun = options.dryRun === true;
  const url = targetUrl(io, options.config ?? io.env.TOLLGATE_CONFIG ?? io.env.CONFIG_FILE_PATH);
  const source = await LiteLLMSource.connect(options.from);
  let target: StoreDatabase | undefined;
  try {
    const data = await out.progress('Reading the LiteLLM database', () => source.readAll());
    target = dryRun ? await openForDryRun(url, out) : await openDatabase(url);
    for (const name of target.applied) out.note(`applied migration ${name}`);
    const set = mapLiteLLM(data, new Date(io.now()).toISOString());
    const db = target.db;
    const plan = await planImport(db, set);
    if (!dryRun) await out.progress('Importing', () => plan.apply());
    const spendLogs = options.withSpendLogs
      ? await out.progress('Copying the spend log', () => importSpendLogs(source, db, { dryRun }))
      : undefined;
    const report = importReport(
      { dryRun, from: source.description, to: target.description },
      plan,
      spendLogs,
    );
    out.result(report, () => renderImportReport(report));
  } finally {
    await target?.close();
    await source.close();
  }
}

function targetUrl(io: CliIo, configFile: string | undefined): string {
  let config;
  try {
    config = configFile ? loadConfigFile(configFile, { env: io.env }) : buildConfig({}, io.env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  const url = databaseUrlFor(config.databaseUrl, true);
  if (!url) throw new CliError('database_url is "none": there is no database to import into');
  return url;
}

/**
 * The store a dry run plans against, opened without migrating it. A store that does not exist
 * yet, or has no tables yet, is planned as an empty one; a store between versions cannot be read
 * as it will be, so it must be migrated first.
 */
async function openForDryRun(url: string, out: Printer): Promise<StoreDatabase> {
  const empty = async (why: string) => {
    out.note(`${why}: planning against an empty store`);
    const database = await openDatabase('sqlite::memory:');
    return { ...database, description: `${describeUrl(url)} (new)`, applied: [] };
  };
  const isSqlite = !/^postgres(ql)?:\/\//i.test(url);
  if (isSqlite && sqlitePath(url) !== ':memory:' && !existsSync(sqlitePath(url))) {
    return empty(`${sqlitePath(url)} does not exist yet`);
  }
  const database = await openDatabase(url, { migrate: false });
  const status = await migrationStatus(database.db, database.schema).catch(async (e: unknown) => {
    await database.close();
    throw e;
  });
  const pending = status.filter((m) => m.appliedAt === undefined).length;
  if (pending === 0) return database;
  await database.close();
  if (pending === status.length) return empty(`${database.description} has no tables yet`);
  throw new CliError(
    `${database.description} needs ${pending} migration(s) before a dry run can read it: run \`tollgate migrate\` first`,
  );
}

function describeUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url)) return `sqlite:${sqlitePath(url)}`;
  const safe = new URL(url);
  safe.password = '';
  return safe.toString();
}
