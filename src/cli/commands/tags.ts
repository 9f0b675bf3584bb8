/** `tollgate tags ...`: the /tag/* routes (tags with a budget). */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  bodyFrom,
  destructive,
  handler,
  listCommand,
  type CommandContext,
} from '../command-kit.js';
import { confirm } from '../confirm.js';
import { parseCount, parseModels, parseMoney } from '../parse-values.js';
import { renderFields } from '../table.js';
import { TAG_COLUMNS, tagFields, type Row } from '../views.js';

const TAG_OPTION_FIELDS = {
  description: 'description',
  models: 'models',
  budget: 'max_budget',
  budgetDuration: 'budget_duration',
  softBudget: 'soft_budget',
  tpm: 'tpm_limit',
  rpm: 'rpm_limit',
  maxParallelRequests: 'max_parallel_requests',
  budgetId: 'budget_id',
} as const;

type Ctx = CommandContext<Record<string, unknown>>;

function tagOptions(command: Command): Command {
  return command
    .option('--description <text>', 'what the tag stands for (a cost centre, a project)')
    .option('--models <list>', `the models it is meant for: '["a","b"]' or a,b`, parseModels)
    .option('--budget <dollars>', 'max budget in dollars of every call under the tag', parseMoney)
    .option('--budget-duration <duration>', 'budget window: 30d, 1mo, daily, weekly, monthly...')
    .option('--soft-budget <dollars>', 'soft budget in dollars', parseMoney)
    .option('--tpm <n>', 'tokens per minute limit', parseCount)
    .option('--rpm <n>', 'requests per minute limit', parseCount)
    .option('--max-parallel-requests <n>', 'parallel requests limit', parseCount)
    .option('--budget-id <id>', 'take the limits of this shared budget (/budget/new)');
}

export function registerTagCommands(program: Command, io: CliIo): void {
  const tags = program
    .command('tags')
    .description('manage tags with a budget: cost centres, projects (/tag/*)');

  tagOptions(adminCommand(tags, 'create <name>', 'store a tag with a budget')).action(
    handler(io, async (ctx: Ctx) => {
      const body = { name: ctx.args[0], ...bodyFrom(ctx.options, TAG_OPTION_FIELDS) };
      const answer = (await ctx.client.call('POST', '/tag/new', { body })) as Row;
      const tag = answer.tag as Row;
      ctx.out.result(answer, () => renderFields(tagFields(tag)));
    }),
  );

  listCommand(tags, io, { what: 'tags', path: '/tag/list', columns: TAG_COLUMNS });

  adminCommand(tags, 'info <name>', 'show a tag, its budget and spend').action(
    handler(io, async (ctx: Ctx) => {
      const name = String(ctx.args[0]);
      const answer = (await ctx.client.call('POST', '/tag/info', {
        body: { names: [name] },
      })) as Record<string, Row>;
      ctx.out.result(answer, () => renderFields(tagFields(answer[name] ?? {})));
    }),
  );

  tagOptions(
    adminCommand(tags, 'update <name>', "change a tag's description, models or budget"),
  ).action(
    handler(io, async (ctx: Ctx) => {
      const body = { name: ctx.args[0], ...bodyFrom(ctx.options, TAG_OPTION_FIELDS) };
      const answer = (await ctx.client.call('POST', '/tag/update', { body })) as Row;
      ctx.out.result(answer, () => renderFields(tagFields(answer.tag as Row)));
    }),
  );

  destructive(
    adminCommand(tags, 'delete <name>', 'delete a tag: it is a plain label again'),
  ).action(
    handler(io, async (ctx: Ctx) => {
      const name = String(ctx.args[0]);
      await confirm(ctx.io, {
        action: `delete tag ${name} and its limits`,
        yes: ctx.options.yes as boolean | undefined,
      });
      const answer = await ctx.client.call('POST', '/tag/delete', { body: { name } });
      ctx.out.result(answer, () => `Deleted tag ${name}.`);
    }),
  );
}
