/** `tollgate orgs ...`: the /organization/* routes. */
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
import { parseMoney } from '../parse-values.js';
import { renderFields, renderTable } from '../table.js';
import { ORG_COLUMNS, ORG_MEMBER_COLUMNS, orgFields, type Row } from '../views.js';

const ORG_OPTION_FIELDS = {
  alias: 'organization_alias',
  ...LIMIT_OPTION_FIELDS,
  budgetId: 'budget_id',
} as const;

const ROLES = 'org_admin, internal_user or internal_user_viewer';

type Ctx = CommandContext<Record<string, unknown>>;

/** A team's settings, and the shared budget an organization may take its limits from. */
function orgFieldOptions(command: Command): Command {
  return limitOptions(command).option(
    '--budget-id <id>',
    'take the limits of this shared budget (/budget/new)',
  );
}

export function registerOrgCommands(program: Command, io: CliIo): void {
  const orgs = program
    .command('orgs')
    .description('manage organizations, their budgets and members (/organization/*)');

  orgFieldOptions(adminCommand(orgs, 'create', 'create an organization'))
    .requiredOption('--alias <alias>', 'organization alias')
    .option('--org-id <id>', 'organization id (default: a generated uuid)')
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = {
          ...bodyFrom(ctx.options, ORG_OPTION_FIELDS),
          ...bodyFrom(ctx.options, { orgId: 'organization_id' }),
        };
        const org = (await ctx.client.call('POST', '/organization/new', { body })) as Row;
        ctx.out.result(org, () => renderFields(orgFields(org)));
      }),
    );

  listCommand(orgs, io, {
    what: 'organizations',
    path: '/organization/list',
    columns: ORG_COLUMNS,
  });

  adminCommand(orgs, 'info <org_id>', 'show an organization, its teams and members').action(
    handler(io, async (ctx: Ctx) => {
      const org = (await ctx.client.call('GET', '/organization/info', {
        query: { organization_id: String(ctx.args[0]) },
      })) as Row;
      ctx.out.result(org, () => {
        const members = (org.members ?? []) as Row[];
        const teams = ((org.teams ?? []) as Row[]).map((t) => t.team_alias ?? t.team_id);
        return [
          renderFields(orgFields(org)),
          '',
          `Teams: ${teams.length === 0 ? 'none' : teams.join(', ')}`,
          members.length === 0
            ? 'Members: none'
            : `Members:\n${renderTable(ORG_MEMBER_COLUMNS, members)}`,
        ].join('\n');
      });
    }),
  );

  orgFieldOptions(
    adminCommand(orgs, 'update <org_id>', "change an organization's name, models or budget"),
  )
    .option('--alias <alias>', 'new alias')
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = { organization_id: ctx.args[0], ...bodyFrom(ctx.options, ORG_OPTION_FIELDS) };
        const org = (await ctx.client.call('POST', '/organization/update', { body })) as Row;
        ctx.out.result(org, () => renderFields(orgFields(org)));
      }),
    );

  destructive(
    adminCommand(orgs, 'delete <org_id...>', 'delete organizations with their teams and keys'),
  ).action(
    handler(io, async (ctx: Ctx) => {
      const ids = ctx.args[0] as string[];
      const plural = ids.length > 1 ? 's' : '';
      await confirm(ctx.io, {
        action: `delete organization${plural} ${ids.join(', ')} with their teams and keys`,
        yes: ctx.options.yes as boolean | undefined,
      });
      const answer = await ctx.client.call('POST', '/organization/delete', {
        body: { organization_ids: ids },
      });
      ctx.out.result(answer, () => `Deleted organization${plural} ${ids.join(', ')}.`);
    }),
  );

  adminCommand(orgs, 'add-member <org_id>', 'add a user to an organization (made if unknown)')
    .option('--user-id <id>', 'the user')
    .option('--email <email>', 'the user, by email')
    .option('--role <role>', ROLES, 'internal_user')
    .option('--budget <dollars>', "the member's budget in the organization", parseMoney)
    .action(
      handler(io, async (ctx: Ctx) => {
        const body = {
          organization_id: ctx.args[0],
          member: { role: ctx.options.role, ...memberOf(ctx.options) },
          ...bodyFrom(ctx.options, { budget: 'max_budget_in_organization' }),
        };
        const answer = (await ctx.client.call('POST', '/organization/member_add', {
          body,
        })) as Row;
        ctx.out.result(answer, () =>
          renderTable(ORG_MEMBER_COLUMNS, (answer.updated_organization_memberships ?? []) as Row[]),
        );
      }),
    );

  destructive(
    adminCommand(
      orgs,
      'remove-member <org_id>',
      'take a user out of an organization, with its keys of it',
    ),
  )
    .option('--user-id <id>', 'the user')
    .option('--email <email>', 'the user, by email')
    .action(
      handler(io, async (ctx: Ctx) => {
        const member = memberOf(ctx.options);
        const who = String(Object.values(member)[0]);
        const org = String(ctx.args[0]);
        await confirm(ctx.io, {
          action: `remove ${who} from organization ${org} with the keys it holds there`,
          yes: ctx.options.yes as boolean | undefined,
        });
        const answer = await ctx.client.call('POST', '/organization/member_delete', {
          body: { organization_id: org, ...member },
        });
        ctx.out.result(answer, () => `Removed ${who} from organization ${org}.`);
      }),
    );
}
