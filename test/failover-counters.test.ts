/**
 * Cluster mode with Redis away: admissions go on with this replica's counters, the outage is
 * logged once, and the first admission after Redis is back uses Redis again.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { waitUntilReady } from '../src/cluster/redis-connection.js';
import { CounterAdmission } from '../src/spend/admission.js';
import type {
  AdmitOutcome,
  AdmitPlan,
  CounterStore,
  Settlement,
} from '../src/spend/counter-store.js';
import { FailoverCounterStore } from '../src/spend/failover-counters.js';
import { LocalCounterStore } from '../src/spend/local-counters.js';
import { RedisCounterStore } from '../src/spend/redis-counters.js';
import { makeRequest, makeScope, manualClock } from './helpers/admission-suite.js';
import { freePort } from './helpers/free-port.js';

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    logger: {
      error: (_: unknown, message?: string) =>
        lines.push({ level: 'error', message: message ?? '' }),
      warn: (message: unknown) => lines.push({ level: 'warn', message: String(message) }),
    },
  };
}

/** A shared store that works, or fails every call while `down` is set. */
class SwitchableStore implements CounterStore {
  down = false;
  /** Settles sent while set never get an answer (a link cut with the command on the wire). */
  hangSettles = false;
  calls = 0;
  private readonly inner = new LocalCounterStore();
  admit(plan: AdmitPlan) {
    this.calls++;
    if (this.down) return Promise.reject(new Error('connection refused'));
    return Promise.resolve(this.inner.admit(plan));
  }
  settle(settlement: Settlement) {
    if (this.hangSettles) return new Promise<void>(() => {});
    if (this.down) return Promise.reject(new Error('connection refused'));
    this.inner.settle(settlement);
    return Promise.resolve();
  }
  forget(key: string) {
    this.inner.forget(key);
  }
  onRelease(listener: () => void) {
    this.inner.onRelease(listener);
  }
}

/** A shared store whose answers the test gives, one operation at a time. */
class ManualStore implements CounterStore {
  readonly admits: { plan: AdmitPlan; answer: (outcome: AdmitOutcome) => void }[] = [];
  readonly settles: { settlement: Settlement; answer: () => void }[] = [];
  admit(plan: AdmitPlan) {
    return new Promise<AdmitOutcome>((answer) => this.admits.push({ plan, answer }));
  }
  settle(settlement: Settlement) {
    return new Promise<void>((answer) => this.settles.push({ settlement, answer }));
  }
  forget() {}
  onRelease() {}
}

function plan(reservationId: string, key = 'key:k1'): AdmitPlan {
  return {
    reservationId,
    now: Date.now(),
    inputCost: 0.1,
    outputCostPerToken: 0.01,
    maxTokens: 10,
    budgets: [{ key, windowEnd: null, maxBudget: 10, initialSpend: 0, exceededAtEqual: true }],
    rates: [],
  };
}

/** What Redis answers in these tests: a cap no local admission would give (plan asks for 10). */
const REDIS_ADMITS: AdmitOutcome = {
  status: 'admitted',
  maxTokens: 7,
  reservedCost: 0.17,
  rateUse: [],
};

describe('failover counter store', () => {
  test('with nothing listening on the Redis port, budgets and rate limits are enforced locally', async (t) => {
    const redis = new Redis({
      host: '127.0.0.1',
      port: await freePort(),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    redis.on('error', () => {});
    t.after(() => redis.disconnect());
    const { lines, logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared: new RedisCounterStore({ redis }), logger });
    const admission = new CounterAdmission({ store });
    const key = makeScope('key', 'k1', { maxBudget: 1, rpmLimit: 2 });

    const first = await admission.admit(makeRequest([key]));
    first.settle(0.875, 10);
    // 0.125 left cannot pay the prompt and a token: refused by the local counters.
    await assert.rejects(
      async () => admission.admit(makeRequest([key])),
      /Budget has been exceeded!/,
    );
    const other = makeScope('key', 'k2', { rpmLimit: 1 });
    await admission.admit(makeRequest([other]));
    await assert.rejects(async () => admission.admit(makeRequest([other])), /Limit type: requests/);
    assert.equal(store.isLocal, true);
    assert.deepEqual(
      lines.map((line) => line.level),
      ['error'],
    );
  });

  test('logs once per outage, tries Redis again, and goes back to it when it answers', async () => {
    const shared = new SwitchableStore();
    const clock = manualClock();
    const { lines, logger } = recordingLogger();
    const store = new FailoverCounterStore({
      shared,
      logger,
      now: clock.now,
      retryIntervalMs: 1000,
    });
    const admission = new CounterAdmission({ store, now: clock.now });
    const key = makeScope('key', 'k1', { rpmLimit: 100 });

    shared.down = true;
    for (let i = 0; i < 5; i++) (await admission.admit(makeRequest([key]))).settle(0, 1);
    assert.equal(shared.calls, 1, 'local mode does not ask Redis on every request');
    clock.advance(1000);
    await admission.admit(makeRequest([key]));
    assert.equal(shared.calls, 2, 'one admission tries Redis again after the interval');
    shared.down = false;
    clock.advance(1000);
    const back = await admission.admit(makeRequest([key]));
    assert.equal(store.isLocal, false);
    assert.equal(
      back.headers['x-ratelimit-remaining-requests'],
      '99',
      'counted by the shared store',
    );
    assert.deepEqual(
      lines.map((line) => line.level),
      ['error', 'warn'],
    );
  });

  test('an admission that Redis does not answer in time is decided locally', async () => {
    const hanging: CounterStore = {
      admit: () => new Promise(() => {}),
      settle: () => {},
      forget: () => {},
      onRelease: () => {},
    };
    const { logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared: hanging, logger, timeoutMs: 20 });
    const admission = new CounterAdmission({ store });
    const key = makeScope('key', 'k1', { maxBudget: 1, spend: 1 });
    await assert.rejects(
      async () => admission.admit(makeRequest([key])),
      /Budget has been exceeded!/,
    );
    assert.equal(store.isLocal, true);
  });

  test('calls Redis admitted before an outage still hold their money in local mode', async () => {
    const shared = new SwitchableStore();
    const { logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared, logger });
    const admission = new CounterAdmission({ store, maxWaitMs: 50, retryIntervalMs: 10 });
    // Two worst cases of 0.875 fit; a third would overspend if both others spent theirs.
    const key = makeScope('key', 'k1', { maxBudget: 1.75 });

    const inFlight = await admission.admit(makeRequest([key]));
    assert.equal(store.isLocal, false);
    shared.down = true;
    const second = await admission.admit(makeRequest([key]));
    assert.equal(store.isLocal, true);
    await assert.rejects(
      async () => admission.admit(makeRequest([key])),
      /Budget has been exceeded!/,
      'the call Redis admitted still holds its reservation here',
    );
    // Its settle (Redis still down) frees the hold: the money it did not spend is usable again.
    inFlight.settle(0.25, 10);
    second.settle(0.25, 10);
    await admission.admit(makeRequest([key]));
  });

  test('a settle Redis never answered still holds its money when the outage begins', async () => {
    const shared = new SwitchableStore();
    const { logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared, logger, timeoutMs: 20 });
    const admission = new CounterAdmission({ store, maxWaitMs: 50, retryIntervalMs: 10 });
    const key = makeScope('key', 'k1', { maxBudget: 1.75 });

    const first = await admission.admit(makeRequest([key]));
    shared.hangSettles = true;
    first.settle(0.875, 10);
    shared.down = true;
    await admission.admit(makeRequest([key]));
    await assert.rejects(
      async () => admission.admit(makeRequest([key])),
      /Budget has been exceeded!/,
      'the call whose settle is lost in the cut still counts',
    );
  });

  test('a settle held back when the link breaks is counted here, before the admission it rode with', async (t) => {
    const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
      enableOfflineQueue: false,
    });
    t.after(() => redis.disconnect());
    assert.ok(await waitUntilReady(redis));
    const prefix = `tollgate-test:failover-${process.pid}-${Date.now()}:`;
    const { logger } = recordingLogger();
    // Held back for a minute: it leaves only with the next admission.
    const shared = new RedisCounterStore({ redis, prefix, settleDelayMs: 60_000 });
    const store = new FailoverCounterStore({ shared, logger });
    const admission = new CounterAdmission({ store, maxWaitMs: 50, retryIntervalMs: 10 });
    const key = makeScope('key', 'k1', { maxBudget: 1 });

    const first = await admission.admit(makeRequest([key]));
    assert.equal(store.isLocal, false);
    first.settle(0.875, 10);
    await redis.del(`${prefix}b:key:k1`, `${prefix}bl:key:k1`); // this test's keys, while it can
    redis.disconnect();
    // The settle and this admission fail together: the settle's 0.875 is counted first, so
    // the 0.125 left cannot pay another call.
    await assert.rejects(
      async () => admission.admit(makeRequest([key])),
      /Budget has been exceeded!/,
    );
    assert.equal(store.isLocal, true);
  });

  test('each operation waits its own timeout: one that expires does not fail those made after it', async () => {
    const shared = new ManualStore();
    const { logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared, logger, timeoutMs: 100 });

    const first = store.admit(plan('first')); // never answered
    await sleep(50);
    const second = store.admit(plan('second'));
    const outcome = await first; // past its deadline, the second 50 ms from its own
    assert.equal((outcome as { maxTokens: number }).maxTokens, 10, 'decided locally');
    assert.equal(store.isLocal, true);
    shared.admits[1]!.answer(REDIS_ADMITS);
    assert.deepEqual(await second, REDIS_ADMITS, 'answered by Redis within its own timeout');
    assert.equal(store.isLocal, false);

    // Nothing waits any more; the next operation still gets a deadline.
    const started = Date.now();
    const third = await store.admit(plan('third'));
    assert.equal((third as { maxTokens: number }).maxTokens, 10);
    assert.ok(Date.now() - started >= 99, 'not failed before its timeout');
  });

  test('answers Redis gives after the deadline are still taken into account', async () => {
    const shared = new ManualStore();
    const { logger } = recordingLogger();
    const store = new FailoverCounterStore({ shared, logger, timeoutMs: 20, retryIntervalMs: 0 });

    // An admission answered late: its reservation in Redis is released at once.
    const late = store.admit(plan('late'));
    await sleep(40);
    assert.equal(((await late) as { maxTokens: number }).maxTokens, 10, 'decided locally');
    shared.admits[0]!.answer(REDIS_ADMITS);
    await sleep(0);
    assert.deepEqual(
      shared.settles.map(({ settlement }) => [settlement.reservationId, settlement.cost]),
      [['late', 0]],
    );
    shared.settles[0]!.answer();

    // A settle answered late is not owed to Redis a second time.
    const admitted = store.admit(plan('admitted', 'key:k2'));
    shared.admits[1]!.answer(REDIS_ADMITS);
    assert.deepEqual(await admitted, REDIS_ADMITS);
    const settled = store.settle({
      reservationId: 'admitted',
      now: Date.now(),
      cost: 0.5,
      totalTokens: 10,
      reservedCost: 0.17,
      budgets: [{ key: 'key:k2', windowEnd: null, held: true }],
      rates: [],
    });
    await settled; // falls back after 20 ms: the cost is owed
    assert.equal(store.isLocal, true);
    shared.settles[1]!.answer(); // Redis took it after all
    await sleep(0);
    store.admit(plan('next', 'key:k3')); // pays what is owed first
    const owed = shared.settles.slice(2).map(({ settlement }) => settlement);
    assert.deepEqual(
      owed.map((settlement) => [settlement.reservationId, settlement.cost]),
      [['owed:key:k2', 0]],
    );
  });
});
