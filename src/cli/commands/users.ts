/** `tollgate users ...`: the /user/* routes. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  bodyFrom,
  destructive,
  handler,
  LIMIT_OPTION_FIELDS,
  limitOptions,
  type CommandContext,
} from '../command-kit.js';
import { confirm } from '../confirm.js';
import { listAll } from '../../reconcile/list-pages.js';
import { parseModels, parseMoney } from '../parse-values.js';
import { renderFields, renderTable } from '../table.js';
import { pickFields, USER_COLUMNS, USER_FIELDS, type Row } from '../views.js';

/** Option → /user/new and /user/update field, shared by create and update. */
const USER_OPTION_FIELDS = {
  email: 'user_email',
  alias: 'user_alias',
  role: 'user_role',
  ...LIMIT_OPTION_FIELDS,
} as const;

type Ctx = CommandContext<Record<string, unknown>>;

function userFieldOptions(command: Command): Command {
  return limitOptions(
    command
      .option('--alias <alias>', 'user alias')
      .option(
        '--role <role>',
        'proxy_admin, proxy_admin_viewer, internal_user or internal_user_viewer',
      ),
  );
}

export function registerUserCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('manage users (/user/*)');

  userFieldOptions(
    adminCommand(users, 'create', 'create a user (and its first key unless --no-key)'),
  )
    .requiredOption('--email <email>', "the user's email")
    .option('--user-id <id>', 'user id (default: a generated uuid)')
    .option('--no-key', 'do not create a first key for the user')
    .option('--key-alias <alias>', 'alias of the first key')
    .option(
      '--organizations <list>',
      `organizations the user joins: '["a","b"]' or a,b (required of an organization admin)`,
      parseModels,
    )
    .action(
      handler(io, (ctx: Ctx) =>
        createUser(ctx, {
          ...bodyFrom(ctx.options, USER_OPTION_FIELDS),
          ...bodyFrom(ctx.options, {
            userId: 'user_id',
            key: 'auto_create_key',
            keyAlias: 'key_alias',
            organizations: 'organizations',
          }),
        }),
      ),
    );

  adminCommand(users, 'list', 'list users')
    .option('--email <text>', 'only users whose email contains this')
    .option('--role <role>', 'only users with this role')
    .option('--team <team_id>', 'only members of this team')
    .action(
      handler(io, (ctx: Ctx) =>
        listUsers(ctx, bodyFrom(ctx.options, { email: 'user_email', role: 'role', team: 'team' })),
      ),
    );

  adminCommand(users, 'get <user_id>', 'show a user, its keys and teams').action(
    handler(io, (ctx: Ctx) => getUser(ctx, String(ctx.args[0]))),
  );

  userFieldOptions(adminCommand(users, 'update <user_id>', "change a user's settings"))
    .option('--email <email>', 'new email')
    .action(
      handler(io, (ctx: Ctx) =>
        updateUser(ctx, { user_id: ctx.args[0], ...bodyFrom(ctx.options, USER_OPTION_FIELDS) }),
      ),
    );

  destructive(adminCommand(users, 'delete <user_id...>', 'delete users with their keys')).action(
    handler(io, (ctx: Ctx) => deleteUsers(ctx, ctx.args[0] as string[], {})),
  );

  adminCommand(users, 'update-budget [user_id]', "set a user's max budget")
    .option('--user-id <id>', 'the user (instead of the argument)')
    .requiredOption('--budget <dollars>', 'new max budget in dollars', parseMoney)
    .option('--budget-duration <duration>', 'budget window: 30d, 1mo, monthly...')
    .action(
      handler(io, (ctx: Ctx) =>
        updateBudget(ctx, {
          user_id: ctx.args[0] ?? ctx.options.userId,
          ...bodyFrom(ctx.options, { budget: 'max_budget', budgetDuration: 'budget_duration' }),
        }),
      ),
    );
}

export async function createUser(ctx: Ctx, body: Record<string, unknown>): Promise<void> {
  const user = (await ctx.out.progress('Creating user', () =>
    ctx.client.call('POST', '/user/new', { body }),
  )) as Row;
  ctx.out.result(user, () => renderFields(pickFields(user, USER_FIELDS)));
  if (typeof user.key === 'string') ctx.out.secret("The user's first API key", user.key);
}

export async function listUsers(ctx: Ctx, query: Record<string, unknown>): Promise<void> {
  const users = await ctx.out.progress('Listing users', () =>
    listAll(ctx.client, {
      path: '/user/list',
      field: 'users',
      sizeParam: 'page_size',
      query: query as Record<string, string>,
    }),
  );
  ctx.out.result({ users, total: users.length }, () =>
    users.length === 0 ? 'No users.' : renderTable(USER_COLUMNS, users),
  );
}

export async function getUser(ctx: Ctx, userId: string): Promise<void> {
  const answer = (await ctx.client.call('GET', '/user/info', {
    query: { user_id: userId },
  })) as Row;
  ctx.out.result(answer, () => {
    const info = (answer.user_info ?? {}) as Row;
    const keys = Array.isArray(answer.keys) ? (answer.keys as Row[]) : [];
    const parts = [renderFields(pickFields(info, USER_FIELDS))];
    parts.push('', keys.length === 0 ? 'Keys: none' : `Keys:\n${keyLines(keys)}`);
    return parts.join('\n');
  });
}

function keyLines(keys: Row[]): string {
  return keys.map((k) => `  ${String(k.key_name)}  ${String(k.key_alias ?? '-')}`).join('\n');
}

export async function updateUser(ctx: Ctx, body: Record<string, unknown>): Promise<void> {
  const user = (await ctx.client.call('POST', '/user/update', { body })) as Row;
  ctx.out.result(user, () => renderFields(pickFields(user, USER_FIELDS)));
}

export async function updateBudget(ctx: Ctx, body: Record<string, unknown>): Promise<void> {
  if (typeof body.user_id !== 'string' || body.user_id === '') {
    throw new CliError('update-budget needs a user: pass it as an argument or with --user-id');
  }
  await updateUser(ctx, body);
}

export async function deleteUsers(
  ctx: CommandContext<{ yes?: boolean }>,
  userIds: string[],
  policy: { proceedWithoutTerminal?: boolean },
): Promise<void> {
  await confirm(ctx.io, {
    action: `delete user${userIds.length > 1 ? 's' : ''} ${userIds.join(', ')} with their keys`,
    yes: ctx.options.yes,
    ...policy,
  });
  const answer = await ctx.client.call('POST', '/user/delete', { body: { user_ids: userIds } });
  ctx.out.result(
    answer,
    () => `Deleted user${userIds.length > 1 ? 's' : ''} ${userIds.join(', ')}.`,
  );
}
