/**
 * Gateway replicas for cluster-mode tests: each with its own store connection to one database,
 * all on the real Redis under a prefix unique to the test run, so parallel runs never hear each
 * other's invalidations.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../src/store/open-database.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { OpenedTestStore } from './databases.js';
import { startGateway, type TestGateway } from './gateway.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix for one test run's Redis keys and channels. */
export function uniqueRedisPrefix(): string {
  return `tollgate-test-${randomBytes(6).toString('hex')}:`;
}

export interface Replica {
  gateway: TestGateway;
  /** Every log line of the replica, as parsed JSON. */
  logs(): Record<string, unknown>[];
}

export interface ReplicaSet {
  start(config: Record<string, unknown>, env: Record<string, string>): Promise<Replica>;
  closeAll(): Promise<void>;
}

/** Starts replicas on `database`, each with its own connection to it; closes them all at the end. */
export function replicaSet(database: () => OpenedTestStore): ReplicaSet {
  const gateways: TestGateway[] = [];
  const stores: Store[] = [];
  return {
    start: async (config, env) => {
      const opened = database();
      const store = createStore(await openDatabase(opened.url, { schema: opened.schema }));
      stores.push(store);
      const lines: Record<string, unknown>[] = [];
      const logStream = new PassThrough();
      let pending = '';
      logStream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line));
      });
      const gateway = await startGateway(config, { store, env, logStream });
      gateways.push(gateway);
      return { gateway, logs: () => lines };
    },
    closeAll: async () => {
      for (const g of gateways.splice(0)) await g.close();
      for (const s of stores.splice(0)) await s.close();
    },
  };
}

/** Polls `check` until it holds; false when it still does not after `ms` (a generous bound). */
export async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(25);
  }
  return check();
}
