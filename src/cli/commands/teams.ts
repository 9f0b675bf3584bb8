/** `tollgate teams ...`: the /team/* routes. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  bodyFrom,
  destructive,
  handler,
  LIMIT_OPTION_FIELDS,
  limitOptions,
  listCommand,
  memberOf,
  type CommandContext,
} from '../command-kit.js';
import { confirm } from '../confirm.js';
import { CliError } from '../cli-error.js';
import { parseModels, parseMoney } from '../parse-values.js';
import { renderFields, renderTable } from '../table.js';
import { MEMBER_COLUMNS, pickFields, TEAM_COLUMNS, TEAM_FIELDS, type Row } from '../views.js';

const TEAM_OPTION_FIELDS = {
  alias: 'team_alias',
  ...LIMIT_OPTION_FIELDS,
} as const;

type Ctx = CommandContext<Record<string, unknown>>;

export function registerTeamCommands(program: Command, io: CliIo): void {
  const teams = program.command('teams').description('manage teams and their members (/team/*)');

  limitOptions(adminCommand(teams, 'create', 'create a team'))
    .requiredOption('--alias <alias>', 'team alias')
    .option('--team-id <id>', 'team id (default: a generated uuid)')
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = {
          ...bodyFrom(ctx.options, TEAM_OPTION_FIELDS),
          ...bodyFrom(ctx.options, { teamId: 'team_id' }),
        };
        const team = (await ctx.client.call('POST', '/team/new', { body })) as Row;
        ctx.out.result(team, () => renderFields(pickFields(team, TEAM_FIELDS)));
      }),
    );

  listCommand(teams, io, { what: 'teams', path: '/team/list', columns: TEAM_COLUMNS });

  adminCommand(teams, 'info <team_id>', 'show a team and its members').action(
    handler(io, async (ctx: Ctx) => {
      const answer = (await ctx.client.call('GET', '/team/info', {
        query: { team_id: String(ctx.args[0]) },
      })) as Row;
      ctx.out.result(answer, () => {
        const info = (answer.team_info ?? {}) as Row;
        const members = (info.members_with_roles ?? []) as Row[];
        return [
          renderFields(pickFields(info, TEAM_FIELDS)),
          '',
          members.length === 0
            ? 'Members: none'
            : `Members:\n${renderTable(MEMBER_COLUMNS, members)}`,
        ].join('\n');
      });
    }),
  );

  limitOptions(adminCommand(teams, 'update <team_id>', "change a team's settings"))
    .option('--alias <alias>', 'new alias')
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = { team_id: ctx.args[0], ...bodyFrom(ctx.options, TEAM_OPTION_FIELDS) };
        const answer = (await ctx.client.call('POST', '/team/update', { body })) as Row;
        ctx.out.result(answer, () =>
          renderFields(pickFields((answer.data ?? answer) as Row, TEAM_FIELDS)),
        );
      }),
    );

  destructive(adminCommand(teams, 'delete <team_id...>', 'delete teams with their keys')).action(
    handler(io, async (ctx: Ctx) => {
      const ids = ctx.args[0] as string[];
      await confirm(ctx.io, {
        action: `delete team${ids.length > 1 ? 's' : ''} ${ids.join(', ')} with their keys`,
        yes: ctx.options.yes as boolean | undefined,
      });
      const answer = await ctx.client.call('POST', '/team/delete', { body: { team_ids: ids } });
      ctx.out.result(answer, () => `Deleted team${ids.length > 1 ? 's' : ''} ${ids.join(', ')}.`);
    }),
  );

  adminCommand(teams, 'add-member <team_id>', 'add a user to a team (made if unknown)')
    .option('--user-id <id>', 'the user')
    .option('--email <email>', 'the user, by email')
    .option('--role <role>', 'admin or user', 'user')
    .option('--budget <dollars>', "the member's budget in the team", parseMoney)
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = {
          team_id: ctx.args[0],
          member: { role: ctx.options.role, ...memberOf(ctx.options) },
          ...bodyFrom(ctx.options, { budget: 'max_budget_in_team' }),
        };
        const answer = (await ctx.client.call('POST', '/team/member_add', { body })) as Row;
        ctx.out.result(answer, () =>
          renderTable(MEMBER_COLUMNS, (answer.members_with_roles ?? []) as Row[]),
        );
      }),
    );

  adminCommand(teams, 'add-members <team_id>', 'add many users to a team at once (each on its own)')
    .option('--user-ids <ids>', 'users by id, comma-separated', parseModels)
    .option('--emails <emails>', 'users by email, comma-separated', parseModels)
    .option('--all-users', 'every user of the gateway (proxy admins only)')
    .option('--role <role>', 'admin or user, for all of them', 'user')
    .option('--budget <dollars>', "each member's budget in the team", parseMoney)
    .action(
      handler(io, async (ctx: Ctx) => {
        const role = ctx.options.role;
        const ids = (ctx.options.userIds ?? []) as string[];
        const emails = (ctx.options.emails ?? []) as string[];
        const all = ctx.options.allUsers === true;
        if (all === ids.length + emails.length > 0) {
          throw new CliError('name the members with --user-ids and --emails, or give --all-users');
        }
        const body = {
          team_id: ctx.args[0],
          ...(all
            ? { all_users: true }
            : {
                members: [
                  ...ids.map((user_id) => ({ user_id, role })),
                  ...emails.map((user_email) => ({ user_email, role })),
                ],
              }),
          ...bodyFrom(ctx.options, { budget: 'max_budget_in_team' }),
        };
        const answer = (await ctx.client.call('POST', '/team/bulk_member_add', { body })) as Row;
        ctx.out.result(answer, () => {
          const results = (answer.results ?? []) as Row[];
          const failed = results.filter((r) => r.success !== true);
          const lines = [
            `Added ${String(answer.successful_additions)} of ${String(answer.total_requested)}.`,
            ...failed.map((r) => `${String(r.user_id ?? r.user_email)}: ${String(r.error)}`),
          ];
          return lines.join('\n');
        });
      }),
    );

  adminCommand(teams, 'available', 'the teams your user may join on its own').action(
    handler(io, async (ctx: Ctx) => {
      const answer = (await ctx.client.call('GET', '/team/available')) as Row[];
      ctx.out.result(answer, () =>
        answer.length === 0 ? 'No teams to join.' : renderTable(TEAM_COLUMNS, answer),
      );
    }),
  );

  destructive(
    adminCommand(teams, 'remove-member <team_id>', 'take a user out of a team, with its team keys'),
  )
    .option('--user-id <id>', 'the user')
    .option('--email <email>', 'the user, by email')
    .action(
      handler(io, async (ctx: Ctx) => {
        const member = memberOf(ctx.options);
        const who = String(Object.values(member)[0]);
        await confirm(ctx.io, {
          action: `remove ${who} from team ${String(ctx.args[0])} with the keys it holds there`,
          yes: ctx.options.yes as boolean | undefined,
        });
        const answer = await ctx.client.call('POST', '/team/member_delete', {
          body: { team_id: ctx.args[0], ...member },
        });
        ctx.out.result(answer, () => `Removed ${who} from team ${String(ctx.args[0])}.`);
      }),
    );
}
