/**
 * The verbs of the `litellm-users.sh` admin script, so its users can type `tollgate` where they
 * typed `./litellm-users.sh` and keep every flag. As in the script, `--duration` is the budget
 * window (`--budget 50 --duration monthly`), and deletions run without a question when no one is
 * at a terminal (scripts that called the old script keep working); at a terminal they ask.
 */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  bodyFrom,
  destructive,
  handler,
  type CommandContext,
} from '../command-kit.js';
import { parseModels, parseMoney } from '../parse-values.js';
import { createKey, deleteKeys, listKeys } from './keys.js';
import { createUser, deleteUsers, getUser, listUsers, updateBudget } from './users.js';

type Ctx = CommandContext<Record<string, unknown>>;

const SCRIPT_POLICY = { proceedWithoutTerminal: true };

function budgetOptions(command: Command): Command {
  return command
    .option('--budget <dollars>', 'max budget in dollars', parseMoney)
    .option('--duration <duration>', 'budget window: daily, weekly, monthly, 30d, 1mo...')
    .option('--models <json>', `allowed models, e.g. '["claude-haiku-4-5"]'`, parseModels);
}

export function registerScriptVerbs(program: Command, io: CliIo): void {
  budgetOptions(adminCommand(program, 'create-user', 'create a user (as litellm-users.sh)'))
    .requiredOption('--email <email>', "the user's email")
    .action(
      handler(io, (ctx: Ctx) =>
        createUser(
          ctx,
          bodyFrom(ctx.options, {
            email: 'user_email',
            budget: 'max_budget',
            duration: 'budget_duration',
            models: 'models',
          }),
        ),
      ),
    );

  adminCommand(program, 'list-users', 'list users (as litellm-users.sh)').action(
    handler(io, (ctx: Ctx) => listUsers(ctx, {})),
  );

  adminCommand(program, 'get-user <user_id>', 'show a user (as litellm-users.sh)').action(
    handler(io, (ctx: Ctx) => getUser(ctx, String(ctx.args[0]))),
  );

  destructive(
    adminCommand(program, 'delete-user <user_id>', 'delete a user (as litellm-users.sh)'),
  ).action(handler(io, (ctx: Ctx) => deleteUsers(ctx, [String(ctx.args[0])], SCRIPT_POLICY)));

  adminCommand(program, 'update-budget', "set a user's budget (as litellm-users.sh)")
    .requiredOption('--user-id <id>', 'the user')
    .requiredOption('--budget <dollars>', 'new max budget in dollars', parseMoney)
    .option('--duration <duration>', 'budget window')
    .action(
      handler(io, (ctx: Ctx) =>
        updateBudget(
          ctx,
          bodyFrom(ctx.options, {
            userId: 'user_id',
            budget: 'max_budget',
            duration: 'budget_duration',
          }),
        ),
      ),
    );

  budgetOptions(adminCommand(program, 'create-key', 'create an API key (as litellm-users.sh)'))
    .option('--alias <alias>', 'key alias')
    .option('--user-id <id>', 'the user the key belongs to')
    .action(
      handler(io, (ctx: Ctx) =>
        createKey(
          ctx,
          bodyFrom(ctx.options, {
            alias: 'key_alias',
            budget: 'max_budget',
            duration: 'budget_duration',
            userId: 'user_id',
            models: 'models',
          }),
        ),
      ),
    );

  adminCommand(program, 'list-keys', 'list API keys (as litellm-users.sh)').action(
    handler(io, (ctx: Ctx) => listKeys(ctx, {})),
  );

  destructive(
    adminCommand(program, 'delete-key <key>', 'delete an API key (as litellm-users.sh)'),
  ).action(handler(io, (ctx: Ctx) => deleteKeys(ctx, [String(ctx.args[0])], SCRIPT_POLICY)));
}
