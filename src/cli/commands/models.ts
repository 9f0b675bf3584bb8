/** `tollgate models ...`: /model/info and the models stored in the database (/model/new, /model/delete). */
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { CliIo } from '../cli-io.js';
import { adminCommand, destructive, handler, type CommandContext } from '../command-kit.js';
import { confirm } from '../confirm.js';
import { collectPair } from '../parse-values.js';
import { renderFields, renderTable } from '../table.js';
import { MODEL_COLUMNS, type Row } from '../views.js';

interface AddOptions {
  model: string;
  apiBase?: string;
  apiKey?: string;
  id?: string;
  param?: Record<string, string>;
}

export function registerModelCommands(program: Command, io: CliIo): void {
  const models = program.command('models').description('list, add and delete models (/model/*)');

  adminCommand(models, 'list', 'list the models of the gateway (config and database)').action(
    handler(io, async (ctx: CommandContext<object>) => {
      const answer = (await ctx.client.call('GET', '/model/info')) as { data?: Row[] };
      const rows = answer.data ?? [];
      ctx.out.result(answer, () =>
        rows.length === 0 ? 'No models.' : renderTable(MODEL_COLUMNS, rows),
      );
    }),
  );

  adminCommand(models, 'add <model_name>', 'add a model to the database; applies at once')
    .requiredOption('--model <provider/model>', 'litellm_params.model, e.g. openai/gpt-4o')
    .option('--api-base <url>', 'litellm_params.api_base')
    .option('--api-key <key>', 'litellm_params.api_key (or os.environ/NAME)')
    .option('--id <id>', 'model id (default: a generated uuid)')
    .option('--param <name=value>', 'another litellm_params entry (repeatable)', collectPair)
    .action(
      handler(io, async (ctx: CommandContext<AddOptions>) => {
        const o = ctx.options;
        const body = {
          model_name: ctx.args[0],
          litellm_params: {
            ...typedParams(o.param ?? {}),
            model: o.model,
            ...(o.apiBase && { api_base: o.apiBase }),
            ...(o.apiKey && { api_key: o.apiKey }),
          },
          ...(o.id && { model_info: { id: o.id } }),
        };
        const row = (await ctx.client.call('POST', '/model/new', { body })) as Row;
        ctx.out.result(row, () =>
          renderFields({
            model_id: row.model_id,
            model_name: row.model_name,
            created_at: row.created_at,
          }),
        );
      }),
    );

  destructive(
    adminCommand(models, 'delete <model_id>', 'delete a model stored in the database'),
  ).action(
    handler(io, async (ctx: CommandContext<{ yes?: boolean }>) => {
      const id = String(ctx.args[0]);
      await confirm(ctx.io, { action: `delete model ${id}`, yes: ctx.options.yes });
      const answer = await ctx.client.call('POST', '/model/delete', { body: { id } });
      ctx.out.result(answer, () => `Deleted model ${id}.`);
    }),
  );
}

/** `rpm=5` is the number 5 and `stream=true` a boolean, as they would be in config.yaml. */
function typedParams(params: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => {
      try {
        return [name, parse(value) as unknown];
      } catch {
        return [name, value];
      }
    }),
  );
}
