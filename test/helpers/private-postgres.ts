/**
 * A PostgreSQL server of the test's own, to stop and start at will: `initdb` into a temporary
 * folder (trust authentication), `pg_ctl` on a free port of 127.0.0.1, removed at the end. Run
 * as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
 *
 *   const pg = await startPrivatePostgres();   // pg.url
 *   await pg.stop(); ... await pg.start();
 *   await pg.destroy();
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  url: string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are cut, as when a database server goes away. */
  stop(): Promise<void>;
  /** Immediate stop, as a killed server: no shutdown, crash recovery at the next start. */
  kill(): Promise<void>;
  /** Stops the server if it runs and removes its folder. */
  destroy(): Promise<void>;
}

const ROOT = '/usr/lib/postgresql';

/** Where initdb and pg_ctl are, or why a private server cannot run here. */
/**
 * Why a test of a private server is skipped here: PostgreSQL's binaries are missing (never in
 * CI, where a missing server must fail the run instead).
 */
export function privatePostgresSkip(): string | undefined {
  const binaries = postgresBinaries();
  return 'missing' in binaries && !process.env.CI ? binaries.missing : undefined;
}

export function postgresBinaries(): { bin: string } | { missing: string } {
  const versions = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((v) => existsSync(join(ROOT, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions[0];
  return version === undefined
    ? { missing: `no PostgreSQL server binaries under ${ROOT}/*/bin` }
    : { bin: join(ROOT, version, 'bin') };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const found = postgresBinaries();
  if ('missing' in found) throw new Error(found.missing);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pg-'));
  const data = join(dir, 'data');
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (tool: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(join(found.bin, tool), args, { ...owner, cwd: dir }, (error, _out, err) => {
        if (error) reject(new Error(`${tool} ${args.join(' ')}: ${err || error.message}`));
        else resolve();
      });
    });
  await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let running = false;
  const server: PrivatePostgres = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await run('pg_ctl', ['start', '-w', '-D', data, '-l', join(dir, 'log'), '-o', options]);
      running = true;
    },
    stop: async () => {
      await run('pg_ctl', ['stop', '-w', '-D', data, '-m', 'fast']);
      running = false;
    },
    kill: async () => {
      await run('pg_ctl', ['stop', '-w', '-D', data, '-m', 'immediate']);
      running = false;
    },
    destroy: async () => {
      if (running) await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error: unknown) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const fields = line?.split(':');
  if (!fields || fields.length < 4) throw new Error(`no system user "${name}" to run PostgreSQL`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
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
