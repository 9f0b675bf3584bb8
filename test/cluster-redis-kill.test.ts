/**
 * Cluster mode through a Redis crash: a Redis server of the test's own is killed (SIGKILL) under
 * traffic on two replicas and started again, empty, on the same port.
 *
 * What docs/budgets-and-rate-limits.md ("When Redis does not answer") promises, checked here:
 *   - both replicas keep serving (every call answers within HANG_BOUND_MS) and each logs the
 *     outage once, and its end once;
 *   - meanwhile each enforces budgets on its own, from the spend it knew: no replica alone
 *     takes a budget past what it knew plus what it spends; together they may overspend it by
 *     what the other spends meanwhile, no more;
 *   - once Redis answers again the replicas share the counters again (a budget left after the
 *     outage is spent once across both, not once per replica) and hear invalidations again;
 *   - the spend log holds exactly the calls served, at the cost each was charged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { eventually, replicaSet, uniqueRedisPrefix, type Replica } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { ledgerOf, MESSAGES, pricedModel } from './helpers/money-ledger.js';
import {
  redisServerMissing,
  startPrivateRedis,
  type PrivateRedis,
} from './helpers/private-redis.js';
import { cents } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [pricedModel({ mock_latency_ms: 5 })],
  general_settings: { master_key: MASTER_KEY },
};

/** A call that has not answered by then counts as hung (generous: no timing is measured). */
const HANG_BOUND_MS = 10_000;
const EPSILON = 1e-9;

const [sqlite] = await testDatabases();
assert.ok(sqlite);

const missing = redisServerMissing();
const noRedisServer = missing !== undefined && !process.env.CI ? missing : undefined;

const message = (line: Record<string, unknown>) => (typeof line.msg === 'string' ? line.msg : '');
const logged = (replica: Replica, start: string) =>
  replica.logs().filter((line) => message(line).startsWith(start));
const COUNTERS_DOWN = 'Redis is not answering';
const COUNTERS_BACK = 'Redis answers again';
const CONNECTION_DOWN = 'REDIS UNREACHABLE';
const CACHES_CLEARED = 'cache invalidations from other replicas resumed';

/** Every call served, by key: its call id and what it was charged. */
class ServedCalls {
  private readonly byKey = new Map<string, Map<string, number>>();

  add(key: string, id: string, cost: number): void {
    const calls = this.byKey.get(key) ?? new Map<string, number>();
    assert.ok(!calls.has(id), `call id ${id} served twice`);
    calls.set(id, cost);
    this.byKey.set(key, calls);
  }

  of(key: string): Map<string, number> {
    return this.byKey.get(key) ?? new Map();
  }
}

describe('cluster mode through a Redis crash', { skip: noRedisServer }, () => {
  let opened: OpenedTestStore;
  const replicas = replicaSet(() => opened);
  const prefix = uniqueRedisPrefix();
  let redis: PrivateRedis;
  let a: Replica;
  let b: Replica;
  let api: AdminClient;
  const served = new ServedCalls();
  /** Calls of the background traffic served per replica. */
  const traffic = new Map<Replica, number>();
  const failures: unknown[] = [];
  let running = true;
  let workers: Promise<void>[] = [];
  let trafficKey: string;
  /** Cost of one call of the priced model. */
  let unit: number;
  /** A budget the outage spends past, and one it leaves room in. */
  let tight: { key: string; budget: number; before: number };
  let roomy: { key: string; budget: number };
  /** What each replica spent alone on `tight` and on `roomy` during the outage. */
  const alone = { tight: new Map<Replica, number>(), roomy: new Map<Replica, number>() };

  before(async () => {
    opened = await sqlite.open();
    redis = await startPrivateRedis();
    const env = { REDIS_URL: redis.url, TOLLGATE_REDIS_PREFIX: prefix };
    a = await replicas.start(CONFIG, env);
    b = await replicas.start(CONFIG, env);
    api = adminClient(a.gateway.url, MASTER_KEY);
  });
  after(async () => {
    running = false;
    await Promise.allSettled(workers);
    await replicas.closeAll();
    await redis?.destroy();
    await opened?.close();
  });

  /** One call; its cost when served, undefined when the budget refused it (nothing else may). */
  async function call(replica: Replica, key: string): Promise<number | undefined> {
    const client = new OpenAI({
      apiKey: key,
      baseURL: `${replica.gateway.url}/v1`,
      maxRetries: 0,
      timeout: HANG_BOUND_MS,
    });
    try {
      const { response } = await client.chat.completions
        .create({ model: 'priced', messages: MESSAGES, max_tokens: 20 })
        .withResponse();
      const cost = Number(response.headers.get('x-litellm-response-cost'));
      served.add(key, response.headers.get('x-litellm-call-id') ?? '', cost);
      return cost;
    } catch (error: unknown) {
      const refused = error instanceof OpenAI.APIError && error.status === 429;
      if (!refused || !/Budget has been exceeded!/.test(error.message)) throw error;
      return undefined;
    }
  }
  /** Fires `count` calls at once; the cost of those served. */
  async function burst(replica: Replica, key: string, count: number): Promise<number> {
    const costs = await Promise.all(Array.from({ length: count }, () => call(replica, key)));
    return costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
  }
  const newKey = async (body: Record<string, unknown>): Promise<string> => {
    const generated = await api.post('/key/generate', body);
    assert.equal(generated.status, 200, JSON.stringify(generated.body));
    return generated.body.key as string;
  };
  const flushBoth = async () => {
    await a.gateway.app.ledger?.flush();
    await b.gateway.app.ledger?.flush();
  };
  const spendOf = async (key: string) => (await ledgerOf(opened.database, key)).keySpend;
  /** Background traffic on both replicas, two callers each, on a key with a budget. */
  const startTraffic = () => {
    const worker = async (replica: Replica) => {
      while (running) {
        try {
          await call(replica, trafficKey);
          traffic.set(replica, (traffic.get(replica) ?? 0) + 1);
        } catch (error: unknown) {
          failures.push(error);
        }
      }
    };
    workers = [a, b, a, b].map(worker);
  };
  const trafficGrows = async (by: number) => {
    const from = new Map([a, b].map((r) => [r, traffic.get(r) ?? 0]));
    return eventually(
      async () => [a, b].every((r) => (traffic.get(r) ?? 0) >= (from.get(r) ?? 0) + by),
      HANG_BOUND_MS,
    );
  };

  it('killed under traffic: both replicas serve on, log it once, and enforce budgets alone', async () => {
    const probe = await call(a, MASTER_KEY);
    assert.ok(probe !== undefined);
    unit = probe;
    trafficKey = await newKey({ max_budget: unit * 100_000 });
    tight = { key: await newKey({ max_budget: unit * 20 }), budget: unit * 20, before: 0 };
    roomy = { key: await newKey({ max_budget: unit * 60 }), budget: unit * 60 };
    startTraffic();
    assert.ok(await trafficGrows(5), 'traffic runs on both replicas');

    // Only A spends before the crash and it is written: both replicas know it exactly (A from
    // Redis's answers, B from the database when it first loads the key, during the outage).
    await burst(a, tight.key, 4);
    await flushBoth();
    tight.before = await spendOf(tight.key);
    assert.ok(tight.before > 0);

    await redis.kill();
    assert.ok(await trafficGrows(10), 'both replicas serve while Redis is dead');
    for (const replica of [a, b]) {
      assert.ok(
        await eventually(async () => logged(replica, COUNTERS_DOWN).length > 0),
        'the outage of the counters is logged',
      );
    }

    // Both spend on the tight budget at once: each stops at its own view of it.
    const [onA, onB] = await Promise.all([burst(a, tight.key, 30), burst(b, tight.key, 30)]);
    alone.tight.set(a, onA).set(b, onB);
    for (const spent of alone.tight.values()) {
      assert.ok(spent > 0, 'a replica serves the budget alone');
      assert.ok(
        tight.before + spent <= tight.budget + EPSILON,
        `a replica alone took the budget to ${tight.before + spent} of ${tight.budget}`,
      );
      assert.ok(spent < unit * 30, 'a replica enforces the budget alone');
    }
    // The roomy budget: a few calls on each, well within it.
    const [roomyA, roomyB] = await Promise.all([burst(a, roomy.key, 5), burst(b, roomy.key, 5)]);
    assert.ok(roomyA > 0 && roomyB > 0);
    alone.roomy.set(a, roomyA).set(b, roomyB);

    for (const replica of [a, b]) {
      assert.equal(logged(replica, COUNTERS_DOWN).length, 1, 'the outage is logged once');
      assert.deepEqual(
        logged(replica, CONNECTION_DOWN)
          .map((line) => line.connection)
          .sort(),
        ['commands', 'invalidations'],
        'each connection logs the outage once, however many reconnects fail',
      );
    }
  });

  it('restarted empty: both return to the shared counters and hear invalidations again', async () => {
    await redis.restart();
    for (const replica of [a, b]) {
      assert.ok(
        await eventually(async () => logged(replica, COUNTERS_BACK).length > 0, HANG_BOUND_MS),
        'the replica returns to the shared counters',
      );
      assert.ok(
        await eventually(async () => logged(replica, CACHES_CLEARED).length > 0, HANG_BOUND_MS),
        'the replica resubscribes to invalidations',
      );
    }
    assert.ok(await trafficGrows(5), 'traffic goes on after the restart');

    // A change made after the restart reaches B through Redis: B cached the key, A blocks it.
    const key = await newKey({});
    const onB = adminClient(b.gateway.url, MASTER_KEY);
    assert.equal((await onB.chat('priced', key)).status, 200);
    assert.equal((await api.post('/key/block', { key })).status, 200);
    assert.ok(
      await eventually(async () => (await onB.chat('priced', key)).status !== 200),
      'B still serves a key blocked on A after Redis came back',
    );
  });

  it('after the restart the budgets hold across both replicas', async () => {
    const [tightA, tightB] = await Promise.all([burst(a, tight.key, 20), burst(b, tight.key, 20)]);
    const [roomyA, roomyB] = await Promise.all([burst(a, roomy.key, 40), burst(b, roomy.key, 40)]);
    await flushBoth();

    // Tight: the outage spent past the budget by at most what one replica spent alone; once
    // Redis is back neither replica serves it any more.
    const allowance = Math.min(alone.tight.get(a) ?? 0, alone.tight.get(b) ?? 0);
    const afterOutage = tight.before + (alone.tight.get(a) ?? 0) + (alone.tight.get(b) ?? 0);
    const finalTight = await spendOf(tight.key);
    assert.ok(
      finalTight <= tight.budget + allowance + EPSILON,
      `tight budget: spend ${finalTight} over ${tight.budget} + ${allowance} allowed by the outage`,
    );
    assert.ok(
      finalTight <= Math.max(tight.budget, afterOutage) + EPSILON,
      `tight budget: ${tightA + tightB} more served after Redis came back (spend ${finalTight})`,
    );

    // Roomy: what the outage left is spent once across both replicas, not once per replica.
    const finalRoomy = await spendOf(roomy.key);
    assert.ok(
      finalRoomy <= roomy.budget + EPSILON,
      `roomy budget: spend ${finalRoomy} over ${roomy.budget} (${roomyA + roomyB} after the restart)`,
    );
    // Not counted twice either: a replica's outage spend added on top of a reload from the
    // database would leave part of the budget unused.
    assert.ok(
      finalRoomy >= roomy.budget * 0.75,
      `roomy budget: spend ${finalRoomy} under 75% of ${roomy.budget}`,
    );
    for (const replica of [a, b]) {
      assert.equal(logged(replica, COUNTERS_DOWN).length, 1, 'one outage, logged once');
      assert.equal(logged(replica, COUNTERS_BACK).length, 1, 'its end logged once');
    }
  });

  it('no call hung or failed, and the spend log holds exactly the calls served', async () => {
    running = false;
    await Promise.all(workers);
    assert.deepEqual(failures.map(String), [], 'every call answered, none with an error');
    await flushBoth();
    for (const key of [trafficKey, tight.key, roomy.key]) {
      const calls = served.of(key);
      const ledger = await ledgerOf(opened.database, key);
      assert.equal(ledger.rows.length, calls.size, 'one row per call served, none doubled');
      assert.deepEqual(new Set(ledger.rows.map((r) => r.requestId)), new Set(calls.keys()));
      const charged = cents([...calls.values()].reduce((sum, cost) => sum + cost, 0));
      assert.equal(ledger.logSpend, charged, 'the log holds what the calls were charged');
      assert.equal(cents(ledger.keySpend), ledger.logSpend, 'key spend = sum of its log');
    }
  });
});
