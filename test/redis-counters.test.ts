/**
 * The Redis counter store against a real Redis: the same rules as in memory, replicas that share
 * one budget over separate connections, reservations of a dead replica that expire, and settles
 * held back for a few milliseconds that are never lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import pino from 'pino';
import { closeRedis } from '../src/cluster/redis-connection.js';
import { CounterAdmission } from '../src/spend/admission.js';
import { BudgetCalendar } from '../src/spend/budget-calendar.js';
import { createMeter } from '../src/spend/create-meter.js';
import { createPricing } from '../src/spend/pricing.js';
import { RedisCounterStore, type RedisCounterStoreOptions } from '../src/spend/redis-counters.js';
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

async function openReplicas(
  count: number,
  options: Pick<RedisCounterStoreOptions, 'leaseMs' | 'settleDelayMs'> = {},
) {
  const prefix = testPrefix();
  const clients = Array.from({ length: count }, () => new Redis(REDIS_URL));
  const stores = clients.map((redis) => new RedisCounterStore({ redis, prefix, ...options }));
  await Promise.all(stores.map((store) => store.loadScripts()));
  return {
    stores,
    // Settles held back go out now; the ping answers after everything sent before it.
    sync: async () => {
      await Promise.all(stores.map((store) => store.flush()));
      await Promise.all(clients.map((redis) => redis.ping()));
    },
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

  test('a settle held back goes first in its replica’s next admission; other replicas see it once sent', async (t) => {
    // Held back for a minute: only an admission (or a flush) of replica A sends it.
    const replicas = await openReplicas(2, { settleDelayMs: 60_000 });
    t.after(() => replicas.close());
    const [a, b] = replicas.stores.map((store) => new CounterAdmission({ store }));
    const key = makeScope('key', 'one-slot', { maxBudget: 10, maxParallelRequests: 1 });

    (await a!.admit(makeRequest([key]))).settle(0.5, 10);
    await assert.rejects(
      async () => b!.admit(makeRequest([key])),
      /max_parallel_requests/,
      'B sees the slot taken while A holds the settle back',
    );
    const next = await a!.admit(makeRequest([key]));
    assert.equal(next.loweredMaxTokens, undefined, 'the slot and the money were freed first');
    next.settle(0.25, 10);
    await replicas.stores[0]!.flush();
    const onB = replicas.stores[1]!.admit({
      reservationId: 'b-1',
      now: Date.now(),
      inputCost: 0.25,
      outputCostPerToken: 0.0625,
      maxTokens: 10,
      budgets: [
        {
          key: 'key:one-slot',
          windowEnd: null,
          maxBudget: 10,
          initialSpend: 0,
          exceededAtEqual: true,
        },
      ],
      rates: [{ key: 'key:one-slot', rpm: null, tpm: null, parallel: 1 }],
    });
    const outcome = await onB;
    assert.equal(outcome.status, 'admitted');
    assert.deepEqual(outcome.status === 'admitted' && outcome.spent, [0.75], 'both costs, once');
  });

  test('settles with no admission after them reach Redis by themselves', async (t) => {
    const replicas = await openReplicas(2, { settleDelayMs: 20 });
    t.after(() => replicas.close());
    const [a, b] = replicas.stores;
    const plan = (id: string) => ({
      reservationId: id,
      now: Date.now(),
      inputCost: 0.25,
      outputCostPerToken: 0.0625,
      maxTokens: 10,
      budgets: [
        { key: 'key:quiet', windowEnd: null, maxBudget: 1, initialSpend: 0, exceededAtEqual: true },
      ],
      rates: [{ key: 'key:quiet', rpm: null, tpm: 1000, parallel: 1 }],
    });
    assert.equal((await a!.admit(plan('a-1'))).status, 'admitted');
    // Awaited with nothing else sent: the delay alone sends it.
    await a!.settle({
      reservationId: 'a-1',
      now: Date.now(),
      cost: 0.5,
      totalTokens: 30,
      reservedCost: 0.875,
      budgets: [{ key: 'key:quiet', windowEnd: null, held: true }],
      rates: plan('a-1').rates,
    });
    const outcome = await b!.admit(plan('b-1'));
    assert.equal(outcome.status, 'admitted', 'the slot is free and 0.5 pays a call');
    assert.equal(outcome.status === 'admitted' && outcome.maxTokens, 4, 'lowered to what 0.5 pays');
    assert.deepEqual(outcome.status === 'admitted' && outcome.rateUse, [
      { requests: 0, tokens: 30 },
    ]);
  });

  test('settles held back reach Redis before the gateway closes its connection', async () => {
    const prefix = testPrefix();
    const client = new Redis(REDIS_URL);
    const reader = new Redis(REDIS_URL);
    try {
      const logger = pino({ level: 'silent' });
      const { admission } = createMeter({
        settings: { budgetExceededStatus: 429 },
        calendar: BudgetCalendar.UNALIGNED,
        pricing: createPricing({ logger }),
        redis: { client, keyPrefix: prefix },
        logger,
        now: Date.now,
      });
      const key = makeScope('key', 'closing', { maxBudget: 10 });
      const calls = await Promise.all([1, 2, 3].map(() => admission.admit(makeRequest([key]))));
      for (const call of calls) call.settle(0.5, 10);
      await closeRedis(client);
      const budget = await reader.hgetall(`${prefix}counters:b:key:closing`);
      assert.equal(Number(budget.s), 1.5, 'every cost is in Redis');
      assert.equal(Number(budget.r), 0, 'every reservation released');
    } finally {
      client.disconnect();
      await removeKeys(reader, prefix);
      await reader.quit();
    }
  });
});
