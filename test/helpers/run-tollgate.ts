/** Runs the `tollgate` command (src/main.ts through tsx) as a user would, for CLI tests. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
/** tsx as a URL, so the command also starts from directories outside the repository. */
const TSX = import.meta.resolve('tsx');

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export function runTollgate(
  args: string[],
  options: RunOptions = {},
): ChildProcessWithoutNullStreams {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of [
    'LITELLM_MASTER_KEY',
    'TOLLGATE_MASTER_KEY',
    'DATABASE_URL',
    'TOLLGATE_DATABASE_URL',
  ]) {
    delete env[name];
  }
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    env: { ...env, ...options.env },
    cwd: options.cwd ?? process.cwd(),
  });
}

/** Waits for the command to exit; its exit code and everything it printed. */
export async function outputOf(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

export interface RunningTollgate {
  url: string;
  logs(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the gateway on a free port and waits until it answers; once more on another port when
 * the one found free was taken in between (another test's listener).
 */
export async function startTollgate(
  args: string[],
  options: RunOptions = {},
): Promise<RunningTollgate> {
  try {
    return await startOnFreePort(args, options);
  } catch (error: unknown) {
    if (!/EADDRINUSE[^\n]*127\.0\.0\.1:\d+/.test(String(error))) throw error;
    return startOnFreePort(args, options);
  }
}

async function startOnFreePort(args: string[], options: RunOptions): Promise<RunningTollgate> {
  const port = await freePort();
  const child = runTollgate([...args, '--port', String(port), '--host', '127.0.0.1'], options);
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tollgate exited:\n${logs}`);
    try {
      if ((await fetch(`${url}/health/liveliness`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tollgate did not start:\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
