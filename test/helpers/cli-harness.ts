/**
 * Runs the admin commands of `tollgate` in-process (runCli) with captured output, against a
 * gateway the test started: as fast as a function call, as real as the command line.
 */
import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/register.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON fields
  json(): any;
}

export interface CliHarnessOptions {
  env?: Record<string, string | undefined>;
  /** stdout and stderr claim to be a terminal (spinners). */
  tty?: boolean;
  /** stdin is a terminal; each prompt takes the next answer. */
  answers?: string[];
  stdin?: string;
  now?: number;
}

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  // What a terminal stream offers, for the spinner.
  cursorTo(_x: number, _y?: number): boolean {
    return true;
  }
  moveCursor(_dx: number, _dy: number): boolean {
    return true;
  }
  clearLine(_dir: number): boolean {
    return true;
  }
  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

export async function tollgate(
  args: string[],
  options: CliHarnessOptions = {},
): Promise<CliResult> {
  const stdout = new Capture(options.tty === true);
  const stderr = new Capture(options.tty === true);
  const answers = [...(options.answers ?? [])];
  let code = 0;
  const io: CliIo = {
    env: options.env ?? {},
    stdout,
    stderr,
    stdinIsTTY: options.answers !== undefined,
    prompt: async (question) => {
      stderr.write(question);
      return answers.shift() ?? '';
    },
    readStdin: async () => options.stdin ?? '',
    setExitCode: (c) => (code = c),
    now: () => options.now ?? Date.parse('2026-03-15T12:00:00Z'),
  };
  await runCli(args, io);
  return {
    code,
    stdout: stdout.text,
    stderr: stderr.text,
    json: () => JSON.parse(stdout.text),
  };
}
