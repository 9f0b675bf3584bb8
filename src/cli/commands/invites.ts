/** `tollgate invites create`: LiteLLM's /invitation/new. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { adminCommand, handler, type CommandContext } from '../command-kit.js';
import { renderFields } from '../table.js';
import type { Row } from '../views.js';

export function registerInviteCommands(program: Command, io: CliIo): void {
  const invites = program.command('invites').description('invitation links (/invitation/*)');
  adminCommand(invites, 'create', 'create an invitation link for an existing user')
    .requiredOption('--user-id <id>', 'the user to invite (create it first with users create)')
    .action(
      handler(io, async (ctx: CommandContext<{ userId: string }>) => {
        const invitation = (await ctx.client.call('POST', '/invitation/new', {
          body: { user_id: ctx.options.userId },
        })) as Row;
        ctx.out.result(invitation, () => renderFields(invitation));
      }),
    );
}
