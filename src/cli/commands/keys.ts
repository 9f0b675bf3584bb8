/** `tollgate keys ...`: the /key/* routes. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  bodyFrom,
  destructive,
  handler,
  type CommandContext,
} from '../command-kit.js';
import { confirm } from '../confirm.js';
import { listAll } from '../../reconcile/list-pages.js';
import { parseCount, parseJsonObject, parseModels, parseMoney } from '../parse-values.js';
import { renderFields, renderTable } from '../table.js';
import { KEY_COLUMNS, KEY_FIELDS, pickFields, type Row } from '../views.js';

/** Option → /key/generate and /key/update field. */
const KEY_OPTION_FIELDS = {
  alias: 'key_alias',
  models: 'models',
  budget: 'max_budget',
  budgetDuration: 'budget_duration',
  duration: 'duration',
  userId: 'user_id',
  teamId: 'team_id',
  tpm: 'tpm_limit',
  rpm: 'rpm_limit',
  maxParallelRequests: 'max_parallel_requests',
  metadata: 'metadata',
} as const;

type Ctx = CommandContext<Record<string, unknown>>;

function keyFieldOptions(command: Command): Command {
  return command
    .option('--alias <alias>', 'key alias (unique)')
    .option('--models <list>', `allowed models: '["a","b"]' or a,b`, parseModels)
    .option('--budget <dollars>', 'max budget in dollars', parseMoney)
    .option('--budget-duration <duration>', 'budget window: 30d, 1mo, daily, monthly...')
    .option('--duration <duration>', 'validity of the key: 30d, 1mo, ... (default: never expires)')
    .option('--user-id <id>', 'the user the key belongs to')
    .option('--team-id <id>', 'the team the key belongs to')
    .option('--tpm <n>', 'tokens per minute limit', parseCount)
    .option('--rpm <n>', 'requests per minute limit', parseCount)
    .option('--max-parallel-requests <n>', 'parallel requests limit', parseCount)
    .option('--metadata <json>', 'metadata as a JSON object', parseJsonObject);
}

export function registerKeyCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('manage virtual keys (/key/*)');

  keyFieldOptions(adminCommand(keys, 'create', 'create a key; its secret is printed once')).action(
    handler(io, (ctx: Ctx) => createKey(ctx, bodyFrom(ctx.options, KEY_OPTION_FIELDS))),
  );

  adminCommand(keys, 'list', 'list keys')
    .option('--user-id <id>', "only this user's keys")
    .option('--team-id <id>', "only this team's keys")
    .option('--alias <alias>', 'only the key with this alias')
    .action(
      handler(io, (ctx: Ctx) =>
        listKeys(
          ctx,
          bodyFrom(ctx.options, { userId: 'user_id', teamId: 'team_id', alias: 'key_alias' }),
        ),
      ),
    );

  adminCommand(keys, 'info <key>', 'show a key (its sk- secret or its hash)').action(
    handler(io, async (ctx: Ctx) => {
      const answer = (await ctx.client.call('GET', '/key/info', {
        query: { key: String(ctx.args[0]) },
      })) as Row;
      ctx.out.result(answer, () =>
        renderFields(pickFields((answer.info ?? {}) as Row, KEY_FIELDS)),
      );
    }),
  );

  keyFieldOptions(adminCommand(keys, 'update <key>', "change a key's settings")).action(
    handler(io, async (ctx: Ctx) => {
      const body = { key: ctx.args[0], ...bodyFrom(ctx.options, KEY_OPTION_FIELDS) };
      const answer = (await ctx.client.call('POST', '/key/update', { body })) as Row;
      ctx.out.result(answer, () => renderFields(pickFields(answer, KEY_FIELDS)));
    }),
  );

  destructive(adminCommand(keys, 'delete <key...>', 'delete keys (sk- secrets or hashes)')).action(
    handler(io, (ctx: Ctx) => deleteKeys(ctx, ctx.args[0] as string[], {})),
  );

  destructive(
    adminCommand(keys, 'regenerate <key>', 'give a key a new secret; the old one stops working'),
  )
    .option('--grace-period <duration>', 'keep the old secret working this long, e.g. 24h')
    .action(
      handler(io, async (ctx: Ctx) => {
        const key = String(ctx.args[0]);
        await confirm(ctx.io, {
          action: `regenerate key ${key}: its current secret stops working`,
          yes: ctx.options.yes as boolean | undefined,
        });
        const body = { key, ...bodyFrom(ctx.options, { gracePeriod: 'grace_period' }) };
        const answer = (await ctx.client.call('POST', '/key/regenerate', { body })) as Row;
        ctx.out.result(answer, () => renderFields(pickFields(answer, KEY_FIELDS)));
        if (typeof answer.key === 'string') ctx.out.secret('The new secret of the key', answer.key);
      }),
    );

  for (const [verb, past] of [
    ['block', 'Blocked'],
    ['unblock', 'Unblocked'],
  ] as const) {
    adminCommand(keys, `${verb} <key>`, `${verb} a key at once`).action(
      handler(io, async (ctx: Ctx) => {
        const answer = await ctx.client.call('POST', `/key/${verb}`, {
          body: { key: String(ctx.args[0]) },
        });
        ctx.out.result(answer, () => `${past} key ${String(ctx.args[0])}.`);
      }),
    );
  }
}

export async function createKey(ctx: Ctx, body: Record<string, unknown>): Promise<void> {
  const key = (await ctx.out.progress('Creating key', () =>
    ctx.client.call('POST', '/key/generate', { body }),
  )) as Row;
  ctx.out.result(key, () => renderFields(pickFields(key, KEY_FIELDS)));
  if (typeof key.key === 'string') ctx.out.secret('The new API key', key.key);
}

export async function listKeys(ctx: Ctx, query: Record<string, unknown>): Promise<void> {
  const keys = await ctx.out.progress('Listing keys', () =>
    listAll(ctx.client, {
      path: '/key/list',
      field: 'keys',
      sizeParam: 'size',
      query: { ...(query as Record<string, string>), return_full_object: true },
    }),
  );
  ctx.out.result({ keys, total: keys.length }, () =>
    keys.length === 0 ? 'No keys.' : renderTable(KEY_COLUMNS, keys),
  );
}

export async function deleteKeys(
  ctx: CommandContext<{ yes?: boolean }>,
  keys: string[],
  policy: { proceedWithoutTerminal?: boolean },
): Promise<void> {
  await confirm(ctx.io, {
    action: `delete key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`,
    yes: ctx.options.yes,
    ...policy,
  });
  const answer = await ctx.client.call('POST', '/key/delete', { body: { keys } });
  ctx.out.result(answer, () => `Deleted key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}.`);
}
