/**
 * The frame every admin command shares: connection and output options, the context an action
 * gets (client, printer, io), and one place that turns a failure into a line and an exit code.
 */
import type { Command } from 'commander';
import { AdminApiError } from '../reconcile/admin-transport.js';
import { AdminClient } from './admin-client.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { resolveConnection } from './connection.js';
import { outputFormatOf, Printer } from './output.js';
import { parseCount, parseJsonObject, parseModels, parseMoney } from './parse-values.js';
import { renderTable, type Column } from './table.js';

export interface CommandContext<Options> {
  io: CliIo;
  client: AdminClient;
  out: Printer;
  options: Options;
  /** Positional arguments, after their parsers (a variadic one is an array). */
  args: unknown[];
}

/** A subcommand of `parent` with the options every admin command takes. */
export function adminCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .option(
      '--url <url>',
      'gateway URL (default: $TOLLGATE_URL, $LITELLM_URL or http://localhost:4000)',
    )
    .option(
      '--master-key <key>',
      'admin key (default: $TOLLGATE_MASTER_KEY or $LITELLM_MASTER_KEY)',
    )
    .option('--json', 'print the API answer as JSON')
    .option('-o, --output <format>', 'table (default), json or yaml');
}

/** Adds `-y, --yes` to a command that changes or removes something irreversibly. */
export function destructive(command: Command): Command {
  return command.option('-y, --yes', 'do not ask for confirmation');
}

/** The commander action for `run`: builds its context and reports what fails. */
export function handler<Options>(
  io: CliIo,
  run: (context: CommandContext<Options>) => Promise<void>,
): (...params: unknown[]) => Promise<void> {
  return async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const options = command.opts<Options & { url?: string; masterKey?: string }>();
    try {
      const out = new Printer(io, outputFormatOf(options as { json?: boolean; output?: string }));
      const client = new AdminClient(resolveConnection(options, io.env));
      await run({ io, client, out, options, args: command.processedArgs });
    } catch (error: unknown) {
      reportFailure(io, error);
    }
  };
}

export function reportFailure(io: CliIo, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`tollgate: ${message}\n`);
  io.setExitCode(error instanceof CliError ? error.exitCode : 1);
}

/** Whether an error is the gateway answering `status`. */
export function isStatus(error: unknown, status: number): boolean {
  return error instanceof AdminApiError && error.status === status;
}

/** Copies the options that are set into an API body, renamed by `fields` (option → field). */
export function bodyFrom(
  options: object,
  fields: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [option, field] of Object.entries(fields)) {
    const value = (options as Record<string, unknown>)[option];
    if (value !== undefined) body[field] = value;
  }
  return body;
}

/** `<noun> list`: one GET of the whole list, shown as a table (or as the API's JSON). */
export function listCommand<Row>(
  parent: Command,
  io: CliIo,
  list: { what: string; path: string; columns: readonly Column<Row>[] },
): void {
  adminCommand(parent, 'list', `list ${list.what}`).action(
    handler(io, async (ctx) => {
      const rows = (await ctx.out.progress(`Listing ${list.what}`, () =>
        ctx.client.call('GET', list.path),
      )) as Row[];
      ctx.out.result(rows, () =>
        rows.length === 0 ? `No ${list.what}.` : renderTable(list.columns, rows),
      );
    }),
  );
}

/** The settings users, teams and organizations share: models, budget, limits, metadata. */
export function limitOptions(command: Command): Command {
  return command
    .option('--models <list>', `allowed models: '["a","b"]' or a,b`, parseModels)
    .option('--budget <dollars>', 'max budget in dollars', parseMoney)
    .option('--budget-duration <duration>', 'budget window: 30d, 1mo, daily, weekly, monthly...')
    .option('--tpm <n>', 'tokens per minute limit', parseCount)
    .option('--rpm <n>', 'requests per minute limit', parseCount)
    .option('--max-parallel-requests <n>', 'parallel requests limit', parseCount)
    .option('--metadata <json>', 'metadata as a JSON object', parseJsonObject);
}

/** The request field of each option `limitOptions` adds. */
export const LIMIT_OPTION_FIELDS = {
  models: 'models',
  budget: 'max_budget',
  budgetDuration: 'budget_duration',
  tpm: 'tpm_limit',
  rpm: 'rpm_limit',
  maxParallelRequests: 'max_parallel_requests',
  metadata: 'metadata',
} as const;

/** `--user-id U` or `--email E`: who a membership command is about. */
export function memberOf(options: Record<string, unknown>): Record<string, unknown> {
  const member = bodyFrom(options, { userId: 'user_id', email: 'user_email' });
  if (Object.keys(member).length !== 1) {
    throw new CliError('name the member with exactly one of --user-id or --email');
  }
  return member;
}
