/**
 * A failure the admin commands report as one line on stderr, with the exit code to leave with.
 * Anything else that escapes a command is a bug and is reported the same way, with code 1.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
