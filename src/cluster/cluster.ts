/**
 * Cluster mode's connections: one Redis client for commands (shared by every user of Redis in
 * the gateway: the invalidation bus publishes on it, spend counters run their scripts on it) and
 * one that only subscribes to cache invalidations.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeRedis, type RedisSettings } from '../config/redis-settings.js';
import { InvalidationBus } from './invalidation-bus.js';
import { closeRedis, createRedisClient } from './redis-connection.js';

export interface Cluster {
  /** The command connection, to share; not in subscriber mode. */
  redis: Redis;
  bus: InvalidationBus;
  settings: RedisSettings;
  /** Stops the bus and closes both connections. */
  close(): Promise<void>;
}

/** The pub/sub channel of cache invalidations (channels are not per database: prefixed too). */
export function invalidationChannel(settings: RedisSettings): string {
  return `${settings.keyPrefix}cache-invalidation`;
}

/** Connects (in the background) and logs that cluster mode is on, without the password. */
export async function createCluster(settings: RedisSettings, logger: Logger): Promise<Cluster> {
  logger.info(
    { redis: describeRedis(settings), from: settings.source, prefix: settings.keyPrefix },
    'cluster mode: replicas share this Redis for cache invalidations',
  );
  const redis = await createRedisClient(settings, { logger, name: 'commands' });
  // Resubscribing is the bus's job, so it knows when a subscription was lost.
  const subscriber = await createRedisClient(
    settings,
    { logger, name: 'invalidations' },
    { autoResubscribe: false },
  );
  const bus = new InvalidationBus({
    publisher: redis,
    subscriber,
    channel: invalidationChannel(settings),
    logger,
  });
  return {
    redis,
    bus,
    settings,
    close: async () => {
      bus.close();
      await Promise.all([closeRedis(subscriber), closeRedis(redis)]);
    },
  };
}
