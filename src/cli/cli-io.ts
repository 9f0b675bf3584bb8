/**
 * What an admin command may touch of the outside world: the environment, the three standard
 * streams and the exit code. main.ts builds it from the process; tests build it from buffers.
 */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';

export type OutStream = Writable & { isTTY?: boolean };

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: OutStream;
  stderr: OutStream;
  /** Whether someone is at a terminal to answer a confirmation. */
  stdinIsTTY: boolean;
  /** Asks a question on the terminal and returns the answer line. */
  prompt(question: string): Promise<string>;
  /** Reads all of standard input (for `-f -`). */
  readStdin(): Promise<string>;
  setExitCode(code: number): void;
  /** The clock (default date ranges). */
  now(): number;
}

export interface TerminalStreams {
  env: Readonly<Record<string, string | undefined>>;
  stdin: Readable & { isTTY?: boolean };
  stdout: OutStream;
  stderr: OutStream;
  setExitCode(code: number): void;
  now(): number;
}

/** The io of a real terminal session, over the streams main.ts passes in. */
export function terminalIo(streams: TerminalStreams): CliIo {
  return {
    env: streams.env,
    stdout: streams.stdout,
    stderr: streams.stderr,
    stdinIsTTY: streams.stdin.isTTY === true,
    prompt: async (question) => {
      const rl = createInterface({ input: streams.stdin, output: streams.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    readStdin: async () => {
      let text = '';
      for await (const chunk of streams.stdin) text += String(chunk);
      return text;
    },
    setExitCode: streams.setExitCode,
    now: streams.now,
  };
}
