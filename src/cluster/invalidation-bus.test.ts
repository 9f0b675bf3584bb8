/**
 * The invalidation bus on the real Redis (TEST_REDIS_URL, default 127.0.0.1:6379), each test on a
 * channel of its own. Replica outages are made with a TCP proxy in front of Redis.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildConfig } from '../config/load-config.js';
import type { RedisSettings } from '../config/redis-settings.js';
import { createLogger } from '../logger.js';
import { eventually, TEST_REDIS_URL, uniqueRedisPrefix } from '../../test/helpers/cluster.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { InvalidationBus, type CacheChange, type ChangeHandler } from './invalidation-bus.js';
import { closeRedis, createRedisClient } from './redis-connection.js';

const logger = createLogger('silent');
const settings = buildConfig({}, { REDIS_URL: TEST_REDIS_URL }).redis as RedisSettings;

/** Records what a replica was told, and resolves waits for the nth change. */
class RecordingHandler implements ChangeHandler {
  readonly changes: CacheChange[] = [];
  resyncs = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  apply(change: CacheChange): void {
    this.changes.push(change);
    this.waiters = this.waiters.filter((w) => {
      if (this.changes.length < w.count) return true;
      w.resolve();
      return false;
    });
  }

  resync(): void {
    this.resyncs += 1;
  }

  received(count: number): Promise<void> {
    if (this.changes.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function replica(
  channel: string,
  options: { port?: number; settleMs?: number } = {},
): Promise<{ bus: InvalidationBus; handler: RecordingHandler }> {
  const at = options.port ? { ...settings, host: '127.0.0.1', port: options.port } : settings;
  const publisher = await createRedisClient(at, { logger, name: 'commands' });
  const subscriber = await createRedisClient(
    at,
    { logger, name: 'invalidations' },
    { autoResubscribe: false },
  );
  const bus = new InvalidationBus({
    publisher,
    subscriber,
    channel,
    logger,
    settleMs: options.settleMs ?? 60_000,
  });
  cleanups.push(async () => {
    bus.close();
    await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
  });
  const handler = new RecordingHandler();
  await bus.start(handler);
  return { bus, handler };
}

describe('InvalidationBus', () => {
  it('delivers a change to the other replicas, not back to the one that made it', async () => {
    const channel = `${uniqueRedisPrefix()}cache-invalidation`;
    const a = await replica(channel);
    const b = await replica(channel);
    a.bus.publish({ kind: 'key', token: 'abc123' });
    a.bus.publish({ kind: 'customer', id: 'acme' });
    b.bus.publish({ kind: 'team', id: 't1' });
    await b.handler.received(2);
    await a.handler.received(1);
    assert.deepEqual(b.handler.changes, [
      { kind: 'key', token: 'abc123' },
      { kind: 'customer', id: 'acme' },
    ]);
    assert.deepEqual(a.handler.changes, [{ kind: 'team', id: 't1' }]);
  });

  it('applies a received change once more after settleMs, for a lookup that raced it', async () => {
    const channel = `${uniqueRedisPrefix()}cache-invalidation`;
    const a = await replica(channel);
    const b = await replica(channel, { settleMs: 5 });
    a.bus.publish({ kind: 'user', id: 'u1' });
    a.bus.publish({ kind: 'models' });
    await b.handler.received(3);
    // The user change comes again 5 ms after it arrived; whether that is before or after the
    // models change depends on when Redis delivered the second message. A models change is never
    // repeated (it reloads the whole model list, not a cached lookup).
    assert.deepEqual(b.handler.changes[0], { kind: 'user', id: 'u1' });
    assert.deepEqual(
      b.handler.changes.slice(1).sort((x, y) => x.kind.localeCompare(y.kind)),
      [{ kind: 'models' }, { kind: 'user', id: 'u1' }],
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(b.handler.changes.length, 3);
  });

  it('ignores messages that are not changes', async () => {
    const channel = `${uniqueRedisPrefix()}cache-invalidation`;
    const b = await replica(channel);
    const raw = await createRedisClient(settings, { logger, name: 'test' });
    cleanups.push(() => closeRedis(raw));
    const a = await replica(channel);
    for (const junk of ['not json', '{"from":"x","change":{"kind":"drop-tables"}}', '42']) {
      await raw.publish(channel, junk);
    }
    a.bus.publish({ kind: 'key', token: 'after-junk' });
    await b.handler.received(1);
    assert.deepEqual(b.handler.changes, [{ kind: 'key', token: 'after-junk' }]);
  });

  it('a replica that could not publish tells every replica to clear everything once back', async () => {
    const channel = `${uniqueRedisPrefix()}cache-invalidation`;
    const redis = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy(
      { host: redis.hostname, port: Number(redis.port || 6379) },
      { startDown: true },
    );
    cleanups.push(() => proxy.down());
    const a = await replica(channel, { port: proxy.port });
    const b = await replica(channel);
    a.bus.publish({ kind: 'key', token: 'lost-while-down' });
    await proxy.up();
    await b.handler.received(1);
    assert.deepEqual(b.handler.changes, [{ kind: 'all' }]);
    assert.ok(
      await eventually(async () => a.handler.resyncs >= 1),
      'A, deaf meanwhile too, clears its own caches',
    );
  });

  it('clears the caches as soon as the command connection is back, subscription or not', async () => {
    const channel = `${uniqueRedisPrefix()}cache-invalidation`;
    const redis = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    cleanups.push(() => proxy.down());
    // Commands through the proxy, the subscription straight to Redis: only commands are cut.
    const publisher = await createRedisClient(
      { ...settings, host: '127.0.0.1', port: proxy.port },
      { logger, name: 'commands' },
    );
    const subscriber = await createRedisClient(
      settings,
      { logger, name: 'invalidations' },
      { autoResubscribe: false },
    );
    const bus = new InvalidationBus({ publisher, subscriber, channel, logger });
    cleanups.push(async () => {
      bus.close();
      await Promise.all([closeRedis(publisher), closeRedis(subscriber)]);
    });
    const handler = new RecordingHandler();
    await bus.start(handler);
    assert.equal(handler.resyncs, 0);
    await proxy.down();
    await proxy.up();
    assert.ok(
      await eventually(async () => handler.resyncs === 1),
      'caches cleared once the commands reconnect',
    );
    assert.equal(subscriber.status, 'ready', 'the subscription never dropped');
  });
});
