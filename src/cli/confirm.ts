/**
 * Confirmation before a destructive change. `--yes` skips it; without a terminal there is no one
 * to ask, so the command refuses rather than guess.
 */
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

export interface ConfirmRequest {
  /** What will happen, e.g. `delete user u1 and its keys`. */
  action: string;
  yes?: boolean;
  /** Proceed without asking when no terminal is attached (the legacy script verbs). */
  proceedWithoutTerminal?: boolean;
}

export async function confirm(io: CliIo, request: ConfirmRequest): Promise<void> {
  if (request.yes) return;
  if (!io.stdinIsTTY) {
    if (request.proceedWithoutTerminal) return;
    throw new CliError(
      `refusing to ${request.action} without confirmation: standard input is not a terminal; pass --yes to confirm`,
    );
  }
  const answer = (await io.prompt(`${capitalize(request.action)}? [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new CliError('aborted: nothing was changed');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
