/**
 * A lock in cluster mode's Redis for work one replica at a time should do (spend log retention):
 * `SET key token NX PX ttl`, released only by its holder (the token compared in a script), and
 * expiring by itself should the holder die.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Takes `key` for at most `ttlMs`; resolves to its release, or `undefined` when it is held. */
export function redisLock(
  redis: Pick<Redis, 'set' | 'eval'>,
  key: string,
): (ttlMs: number) => Promise<(() => Promise<void>) | undefined> {
  return async (ttlMs) => {
    const token = randomUUID();
    const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
    if (taken !== 'OK') return undefined;
    return async () => {
      await redis.eval(RELEASE, 1, key, token);
    };
  };
}
