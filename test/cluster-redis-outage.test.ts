/**
 * Cluster mode when Redis does not answer: the gateway starts and serves anyway, says so once per
 * outage, and when Redis is back it clears its caches once, since invalidations sent meanwhile
 * never reached it. Replica B reaches the real Redis through a TCP proxy the test cuts.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
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
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

const [sqlite] = await testDatabases();
assert.ok(sqlite);

const isOutage = (line: Record<string, unknown>) =>
  typeof line.msg === 'string' && line.msg.startsWith('REDIS UNREACHABLE');
/** The subscription is back: invalidations missed meanwhile are made up for by clearing all. */
const isResync = (line: Record<string, unknown>) =>
  typeof line.msg === 'string' &&
  line.msg.startsWith('cache invalidations from other replicas resumed');
/** The command connection is back: Redis may have restarted empty, caches are cleared too. */
const isCommandsBack = (line: Record<string, unknown>) =>
  typeof line.msg === 'string' && line.msg.startsWith('Redis commands resumed');

describe('cluster mode with Redis unreachable', () => {
  let opened: OpenedTestStore;
  const replicas = replicaSet(() => opened);
  let proxy: TcpProxy;
  let a: AdminClient;
  let b: AdminClient;
  let replicaB: Replica;
  /** Made while B cannot hear: no invalidation of it is on its way to B. */
  let quietKey: string;
  const prefix = uniqueRedisPrefix();
  const redis = new URL(TEST_REDIS_URL);

  before(async () => {
    opened = await sqlite.open();
    proxy = await startTcpProxy(
      { host: redis.hostname, port: Number(redis.port || 6379) },
      { startDown: true },
    );
    const first = await replicas.start(CONFIG, {
      REDIS_URL: TEST_REDIS_URL,
      TOLLGATE_REDIS_PREFIX: prefix,
    });
    // B's Redis is down from the start: its start must neither hang nor fail.
    replicaB = await replicas.start(CONFIG, {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      TOLLGATE_REDIS_PREFIX: prefix,
    });
    a = adminClient(first.gateway.url, MASTER_KEY);
    b = adminClient(replicaB.gateway.url, MASTER_KEY);
    quietKey = await newKey();
  });
  after(async () => {
    await replicas.closeAll();
    await proxy?.down();
    await opened?.close();
  });

  const newKey = async (): Promise<string> => {
    const generated = await a.post('/key/generate', {});
    assert.equal(generated.status, 200, JSON.stringify(generated.body));
    return generated.body.key as string;
  };
  const servedOnB = async (key: string) => (await b.chat('gpt-4o-mini', key)).status === 200;
  /**
   * Either of B's connections may come back first, and each clears the caches when it does: the
   * key is refused after the first one, the other follows on its own reconnect schedule.
   */
  const clearedOnBothReconnects = async (outages: number) => {
    assert.ok(
      await eventually(async () => replicaB.logs().filter(isResync).length === outages),
      'B does not clear its caches when its subscription is back',
    );
    assert.ok(
      await eventually(async () => replicaB.logs().filter(isCommandsBack).length === outages),
      'B does not clear its caches when its command connection is back',
    );
  };

  it('a replica started with Redis down serves, and says so once per connection', async () => {
    const key = await newKey();
    assert.ok(await servedOnB(key));
    // Several reconnect attempts fail meanwhile; each connection still reports the outage once.
    await sleep(500);
    const outages = replicaB.logs().filter(isOutage);
    assert.deepEqual(outages.map((line) => line.connection).sort(), ['commands', 'invalidations']);
    assert.ok(outages.every((line) => line.level === 50 && line.redis !== undefined));
    assert.ok(
      !JSON.stringify(replicaB.logs()).includes('REDIS_PASSWORD'),
      'the settings are logged without secrets',
    );
  });

  it('when Redis comes back, B clears its caches once: a key blocked meanwhile is refused', async () => {
    const key = await newKey();
    assert.ok(await servedOnB(key), 'B caches the key');
    assert.equal((await a.post('/key/block', { key })).status, 200);
    // B cannot hear it: within its cache time it still serves the key (the documented bound).
    assert.ok(await servedOnB(key));
    await proxy.up();
    assert.ok(
      await eventually(async () => !(await servedOnB(key))),
      'B still serves the key blocked during the outage',
    );
    await clearedOnBothReconnects(1);
  });

  it('a subscription cut while running: the outage is logged and the caches cleared after it', async () => {
    const key = quietKey;
    assert.ok(await servedOnB(key), 'B caches the key');
    const outagesBefore = replicaB.logs().filter(isOutage).length;
    await proxy.down();
    assert.ok(
      await eventually(async () => replicaB.logs().filter(isOutage).length > outagesBefore),
      'the new outage is not logged',
    );
    assert.equal((await a.post('/key/delete', { keys: [key] })).status, 200);
    assert.ok(await servedOnB(key), 'B serves from its cache while Redis is away');
    await proxy.up();
    assert.ok(
      await eventually(async () => !(await servedOnB(key))),
      'B still serves the key deleted during the outage',
    );
    await clearedOnBothReconnects(2);
    // Back to normal: changes reach B through Redis again.
    const next = await newKey();
    assert.ok(await servedOnB(next));
    assert.equal((await a.post('/key/block', { key: next })).status, 200);
    assert.ok(await eventually(async () => !(await servedOnB(next))));
  });
});
