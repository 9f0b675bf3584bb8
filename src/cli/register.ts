/**
 * The admin commands of `tollgate`, registered on the program main.ts builds, and `runCli` for
 * running them in-process (tests) with their own io.
 */
import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerInviteCommands } from './commands/invites.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerManifestCommands } from './commands/manifests.js';
import { registerModelCommands } from './commands/models.js';
import { registerScriptVerbs } from './commands/script-verbs.js';
import { registerSpendCommand } from './commands/spend.js';
import { registerOrgCommands } from './commands/orgs.js';
import { registerTagCommands } from './commands/tags.js';
import { registerTeamCommands } from './commands/teams.js';
import { registerUserCommands } from './commands/users.js';
import { registerImportLiteLLMCommand } from './import-litellm.js';

export function registerAdminCommands(program: Command, io: CliIo): void {
  registerUserCommands(program, io);
  registerKeyCommands(program, io);
  registerTeamCommands(program, io);
  registerOrgCommands(program, io);
  registerTagCommands(program, io);
  registerInviteCommands(program, io);
  registerSpendCommand(program, io);
  registerModelCommands(program, io);
  registerManifestCommands(program, io);
  registerImportLiteLLMCommand(program, io);
  registerScriptVerbs(program, io);
  registerCompletionCommand(program, io);
  // The root command starts the gateway, which hides commander's implicit `help`; the script
  // had a `help` verb, so keep one.
  program.helpCommand(true);
}

/** Runs `tollgate <argv>` for the admin commands alone, writing only to `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<void> {
  const program = new Command('tollgate')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .enablePositionalOptions();
  registerAdminCommands(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error: unknown) {
    if (!(error instanceof CommanderError)) throw error;
    io.setExitCode(error.exitCode);
  }
}
