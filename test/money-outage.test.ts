/**
 * Cluster mode's money while Redis is away, as documented: a replica whose Redis link is cut keeps
 * serving and enforces the budget on its own, starting from what the cluster had spent when it
 * last heard from Redis; once the link is back it hands the spend it made alone to Redis, so the
 * other replicas enforce the budget with it. Replica B reaches the real Redis through a TCP proxy
 * the test cuts; both replicas run in this process on one SQLite database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { openDatabase, type StoreDatabase } from '../src/store/open-database.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import {
  eventually,
  replicaSet,
  TEST_REDIS_URL,
  uniqueRedisPrefix,
  type Replica,
} from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import {
  costOf,
  dropRedisPrefix,
  ledgerOf,
  MESSAGES,
  pricedModel,
} from './helpers/money-ledger.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const CONFIG = {
  model_list: [pricedModel({ mock_latency_ms: 5 })],
  general_settings: { master_key: MASTER_KEY },
};

const [sqlite] = await testDatabases();
assert.ok(sqlite);

const message = (line: Record<string, unknown>) => (typeof line.msg === 'string' ? line.msg : '');

describe('cluster-mode budgets while Redis is unreachable', () => {
  let opened: OpenedTestStore;
  let database: StoreDatabase;
  const replicas = replicaSet(() => opened);
  const prefix = uniqueRedisPrefix();
  const redis = new URL(TEST_REDIS_URL);
  let proxy: TcpProxy;
  let a: Replica;
  let b: Replica;
  let api: AdminClient;

  before(async () => {
    opened = await sqlite.open();
    database = await openDatabase(opened.url);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    a = await replicas.start(CONFIG, { REDIS_URL: TEST_REDIS_URL, TOLLGATE_REDIS_PREFIX: prefix });
    b = await replicas.start(CONFIG, {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      TOLLGATE_REDIS_PREFIX: prefix,
    });
    api = adminClient(a.gateway.url, MASTER_KEY);
  });
  after(async () => {
    await replicas.closeAll();
    await proxy?.down();
    await database?.close();
    await opened?.close();
    await dropRedisPrefix(TEST_REDIS_URL, prefix);
  });

  const sdk = (replica: Replica, key: string) =>
    new OpenAI({ apiKey: key, baseURL: `${replica.gateway.url}/v1`, maxRetries: 0 });
  const call = (replica: Replica, key: string) =>
    sdk(replica, key).chat.completions.create({
      model: 'priced',
      messages: MESSAGES,
      max_tokens: 20,
    });
  /** Fires `count` calls at once; how many were served. Every refusal must be the budget's. */
  async function burst(replica: Replica, key: string, count: number): Promise<number> {
    const outcomes = await Promise.allSettled(
      Array.from({ length: count }, () => call(replica, key)),
    );
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const error = o.reason as InstanceType<typeof OpenAI.APIError>;
        assert.equal(error.status, 429, String(error));
        assert.match(error.message, /Budget has been exceeded!/);
      }
    }
    return outcomes.filter((o) => o.status === 'fulfilled').length;
  }
  const flushBoth = async () => {
    await a.gateway.app.ledger?.flush();
    await b.gateway.app.ledger?.flush();
  };

  it('B keeps serving and enforcing alone; after the outage A enforces the budget with what B spent', async () => {
    const probe = await call(a, MASTER_KEY);
    assert.ok(probe.usage);
    const budget = costOf(probe.usage) * 20;
    const generated = await api.post('/key/generate', { max_budget: budget });
    assert.equal(generated.status, 200, JSON.stringify(generated.body));
    const key = generated.body.key as string;

    // Shared: B caches the key (spend 0) first, then both spend a third of the budget.
    assert.equal(await burst(b, key, 1), 1);
    assert.equal((await burst(a, key, 3)) + (await burst(b, key, 3)), 6);
    await flushBoth();

    await proxy.down();
    const servedAlone = await burst(b, key, 60);

    assert.ok(servedAlone > 0, 'B serves while its Redis is away');
    assert.ok(servedAlone < 60, 'B enforces the budget on its own');
    assert.equal(
      b.logs().filter((l) => message(l).startsWith('Redis is not answering')).length,
      1,
      'the outage of the counters is logged once',
    );
    await flushBoth();
    const alone = await ledgerOf(database, key);
    assert.ok(alone.keySpend <= budget + 1e-9, `B alone spent ${alone.keySpend} of ${budget}`);

    await proxy.up();
    // B's next admissions try Redis again; the first that reaches it ends B's outage.
    let probesServed = 0;
    assert.ok(
      await eventually(async () => {
        probesServed += await burst(b, key, 1);
        return b.logs().some((l) => message(l).startsWith('Redis answers again'));
      }),
      'B returns to the shared counters',
    );
    const servedAfter = (await burst(a, key, 30)) + (await burst(b, key, 30));
    await flushBoth();
    const final = await ledgerOf(database, key);
    assert.ok(
      final.keySpend <= budget + 1e-9,
      `spend ${final.keySpend} over budget ${budget} after the outage (${servedAfter} more served)`,
    );
    assert.ok(final.keySpend >= budget * 0.9, `spend ${final.keySpend} under 90% of ${budget}`);
    assert.equal(final.rows.length, 7 + servedAlone + probesServed + servedAfter);
  });
});
