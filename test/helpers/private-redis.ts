/**
 * A Redis server of the test's own, to kill and start again at will: `redis-server` on a free
 * port of 127.0.0.1, in a temporary folder, with no persistence, so a restart comes back empty
 * (as a Redis without disk does after a crash). Removed at the end.
 *
 *   const redis = await startPrivateRedis();   // redis.url
 *   await redis.kill(); ... await redis.restart();
 *   await redis.destroy();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL: no shutdown, every connection cut, every key gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  restart(): Promise<void>;
  /** Kills the server if it runs and removes its folder. */
  destroy(): Promise<void>;
}

const BINARY = 'redis-server';
const READY = 'Ready to accept connections';
const START_TIMEOUT_MS = 10_000;

/** Undefined when `redis-server` can run here, otherwise why not. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0
    ? `no ${BINARY} on the PATH (${probe.error?.message ?? probe.stderr}); it is required when CI is set`
    : undefined;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const missing = redisServerMissing();
  if (missing !== undefined) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  // A server still running when the test process ends would outlive it.
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    child = await launch(dir, port);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  try {
    await start();
  } catch (error: unknown) {
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', killOnExit);
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    destroy: async () => {
      await kill();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `redis-server` and resolves once it accepts connections; rejects with its output. */
function launch(dir: string, port: number): Promise<ChildProcess> {
  const args = [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', 'no', '--daemonize', 'no'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let ready = false;
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${BINARY} ${args.join(' ')}: ${reason}\n${output}`));
    };
    const timer = setTimeout(() => fail('not ready in time'), START_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    // Read all of its output, also once ready, so a full pipe never blocks the server.
    const read = (chunk: Buffer) => {
      if (ready) return;
      output += chunk.toString('utf8');
      if (!output.includes(READY)) return;
      ready = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.on('error', () => undefined);
      resolve(child);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
