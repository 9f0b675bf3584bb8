// The Redis of the cluster-mode target and of the bare-redis yardstick: the developer's local
// server, under a key prefix unique to the run so that nothing else's keys are read or touched,
// and every key under it deleted after.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { BenchEnvironment } from './tollgate-target.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const SCAN_BATCH = 500;

async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', SCAN_BATCH);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface BenchRedisPrefix {
  prefix: string;
  /** Deletes every key under the prefix; called once its user has stopped. */
  cleanup(): Promise<void>;
}

/** A fresh key prefix on the server of `url`; checks the server answers before anything starts,
 * so a missing Redis is reported as such. */
export async function createRedisPrefix(url: string): Promise<BenchRedisPrefix> {
  const prefix = `tollgate-bench-${randomBytes(6).toString('hex')}:`;
  await deleteByPrefix(url, prefix);
  return { prefix, cleanup: () => deleteByPrefix(url, prefix) };
}

/** REDIS_URL and a fresh TOLLGATE_REDIS_PREFIX, for the gateway. */
export async function createRedisEnvironment(url: string): Promise<BenchEnvironment> {
  const { prefix, cleanup } = await createRedisPrefix(url);
  return { env: { REDIS_URL: url, TOLLGATE_REDIS_PREFIX: prefix }, cleanup };
}
