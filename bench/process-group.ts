// Child processes of a benchmark run: started with their output kept for diagnostics, and all
// stopped together however the run ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const OUTPUT_TAIL_CHARS = 4000;
const STOP_GRACE_MS = 3000;

export interface Service {
  name: string;
  pid: number;
  /** The last few kB of stdout and stderr, to explain a failure. */
  output(): string;
  /** Resolves with the first stdout line that is JSON `{"ready":true,"port":N}`. */
  readyPort(timeoutMs: number): Promise<number>;
  /** Resolves once the service answers `url` with any HTTP status. */
  readyHttp(url: string, timeoutMs: number): Promise<void>;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after a grace period, and waits. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

interface SpawnOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

function exitDescription(child: ChildProcess): string | undefined {
  if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
  if (child.signalCode !== null) return `killed by ${child.signalCode}`;
  return undefined;
}

export class ProcessGroup {
  private readonly children = new Set<ChildProcess>();

  spawn(name: string, command: string, args: string[], options: SpawnOptions): Service {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    this.children.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void exited.then(() => this.children.delete(child));
    let tail = '';
    const lines: string[] = [];
    let partial = '';
    child.stdout?.on('data', (data: Buffer) => {
      const text = data.toString('utf8');
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.stderr?.on('data', (data: Buffer) => {
      tail = (tail + data.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    });
    const failure = (what: string): Error =>
      new Error(`${name}: ${what}\n--- last output ---\n${tail.trim()}`);

    return {
      name,
      pid: child.pid,
      output: () => tail,
      readyPort: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          for (const line of lines.splice(0)) {
            const port = readyLinePort(line);
            if (port !== undefined) return port;
          }
          const exit = exitDescription(child);
          if (exit !== undefined) throw failure(exit);
          await sleep(20);
        }
        throw failure(`no ready line within ${timeoutMs} ms`);
      },
      readyHttp: async (url, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const exit = exitDescription(child);
          if (exit !== undefined) throw failure(exit);
          try {
            const res = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
            await res.body.dump();
            return;
          } catch {
            await sleep(100);
          }
        }
        throw failure(`no HTTP answer at ${url} within ${timeoutMs} ms`);
      },
      stop: (signal) => stopChild(child, exited, signal),
    };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child)));
  }

  /** Synchronous last resort for process exit handlers, where nothing can be awaited. */
  killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }
}

function readyLinePort(line: string): number | undefined {
  try {
    const parsed = JSON.parse(line) as { ready?: unknown; port?: unknown };
    return parsed.ready === true && typeof parsed.port === 'number' ? parsed.port : undefined;
  } catch {
    return undefined;
  }
}

async function stopChild(
  child: ChildProcess,
  exited?: Promise<void>,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (exitDescription(child) !== undefined) return;
  const done = exited ?? new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await done;
  clearTimeout(timer);
}
