// Fresh, empty stores for the store-backed Tollgate targets: one per target and run, so that no
// state from an earlier run (keys, spend, a bigger table) changes what is measured.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const DEFAULT_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  /** What the gateway is given as DATABASE_URL. */
  url: string;
  /** Removes the database; called once the gateway has stopped. */
  drop(): Promise<void>;
}

/** The path of a new SQLite file in its own directory under the run's private temporary
 * directory, which the run deletes at its end. */
export function sqliteFile(workDir: string, name: string): string {
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  return join(dir, 'bench.db');
}

/** A fresh SQLite store for a Tollgate target. */
export function createSqliteDatabase(workDir: string, name: string): Promise<BenchDatabase> {
  return Promise.resolve({ url: `sqlite:${sqliteFile(workDir, name)}`, drop: async () => {} });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * A new PostgreSQL database `bench_<random>` on the server of `adminUrl`, dropped at the end.
 * A whole database rather than a schema: the gateway takes its URL as it is and uses the
 * connection's default schema, with no way to name another one in the URL.
 */
export async function createPostgresDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) ends any connection still open (PostgreSQL 13+), so a gateway that did not
    // close its pool cleanly cannot keep the database alive.
    drop: async () => {
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}
