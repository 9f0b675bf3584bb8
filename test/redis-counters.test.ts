/**
 * The Redis counter store against a real Redis: the same rules as in memory, replicas that share
 * one budget over separate connections, and reservations of a dead replica that expire.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { CounterAdmission } from '../src/spend/admission.js';
import { RedisCounterStore } from '../src/spend/redis-counters.js';
import {
  describeAdmissionRules,
  makeRequest,
  makeScope,
  manualClock,
  raceForBudget,
} from './helpers/admission-suite.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own, removed with everything under it when the test ends. */
function testPrefix(): string {
  return `tollgate-test:${randomUUID()}:`;
}

async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

async function openReplicas(count: number, options: { leaseMs?: number } = {}) {
  const prefix = testPrefix();
  const clients = Array.from({ length: count }, () => new Redis(REDIS_URL));
  const stores = clients.map((redis) => new RedisCounterStore({ redis, prefix, ...options }));
  await Promise.all(stores.map((store) => store.loadScripts()));
  return {
    stores,
    sync: () => Promise.all(clients.map((redis) => redis.ping())).then(() => {}),
    close: async () => {
      await removeKeys(clients[0]!, prefix);
      await Promise.all(clients.map((redis) => redis.quit()));
    },
  };
}

describeAdmissionRules('redis', async () => {
  const replicas = await openReplicas(1);
  return { store: replicas.stores[0]!, sync: replicas.sync, close: replicas.close };
});

describe('admission on redis, across replicas', () => {
  test('two replicas on separate connections never spend past one budget, and use 90 % of it', async (t) => {
    const replicas = await openReplicas(2);
    t.after(() => replicas.close());
    const admissions = replicas.stores.map(
      (store) => new CounterAdmission({ store, retryIntervalMs: 5 }),
    );
    const maxBudget = 20 * 0.11;
    const result = await raceForBudget(admissions, { maxBudget, seed: 11 });
    assert.ok(
      result.settledCost <= maxBudget + 1e-9,
      `spent ${result.settledCost} of ${maxBudget}`,
    );
    assert.ok(
      result.settledCost >= 0.9 * maxBudget,
      `spent only ${result.settledCost} of ${maxBudget}`,
    );
  });

  test('a rate limit counts the requests of every replica', async (t) => {
    const replicas = await openReplicas(2);
    t.after(() => replicas.close());
    const clock = manualClock();
    const [a, b] = replicas.stores.map((store) => new CounterAdmission({ store, now: clock.now }));
    const key = makeScope('key', 'shared', { rpmLimit: 3 });
    await a!.admit(makeRequest([key]));
    await b!.admit(makeRequest([key]));
    const third = await a!.admit(makeRequest([key]));
    assert.equal(third.headers['x-ratelimit-remaining-requests'], '0');
    await assert.rejects(async () => b!.admit(makeRequest([key])), /Limit type: requests/);
  });

  test('the reservation and parallel slot of a replica that died expire with their lease', async (t) => {
    const replicas = await openReplicas(2, { leaseMs: 30_000 });
    t.after(() => replicas.close());
    const clock = manualClock();
    const [dying, survivor] = replicas.stores.map(
      (store) => new CounterAdmission({ store, now: clock.now, maxWaitMs: 50, retryIntervalMs: 5 }),
    );
    const key = makeScope('key', 'k1', { maxBudget: 1, maxParallelRequests: 1 });
    await dying!.admit(makeRequest([key])); // never settled
    await assert.rejects(async () => survivor!.admit(makeRequest([key])), /max_parallel_requests/);
    clock.advance(30_001);
    const admitted = await survivor!.admit(makeRequest([key]));
    assert.equal(admitted.loweredMaxTokens, undefined);
  });
});
