/**
 * The Redis connection of cluster mode: one ioredis client per role, built from the config's
 * RedisSettings, tuned for a gateway that must keep serving when Redis does not answer:
 *   - commands fail at once while disconnected (no offline queue), so a caller falls back to
 *     local state instead of holding a request;
 *   - a connection attempt gives up after `connectTimeoutMs`, and reconnects go on forever with
 *     a short backoff;
 *   - an outage is logged once, loudly, and its end once.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { describeRedis, type RedisSettings } from '../config/redis-settings.js';

export interface RedisClientDeps {
  logger: Logger;
  /** What this connection is for, in logs and CLIENT LIST (`commands`, `invalidations`). */
  name: string;
}

const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 2_000;
const MAX_BACKOFF_MS = 2_000;

/**
 * A client connecting now; its failures are logged, never thrown at the caller. ioredis is loaded
 * by the first client: gateways without Redis never load it (~2 MB of heap).
 */
export async function createRedisClient(
  settings: RedisSettings,
  deps: RedisClientDeps,
  overrides: RedisOptions = {},
): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: settings.host,
    port: settings.port,
    username: settings.username,
    password: settings.password,
    db: settings.db,
    tls: settings.tls ? {} : undefined,
    connectionName: `tollgate-${deps.name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_BACKOFF_MS),
    ...overrides,
  });
  logOutages(client, settings, deps);
  return client;
}

/**
 * Resolves true once the client is ready, false as soon as a connection attempt fails or the
 * time is up: a start with Redis down is delayed by one failed attempt at most, never hung.
 */
export function waitUntilReady(client: Redis, timeoutMs = CONNECT_TIMEOUT_MS): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onFailure);
      client.off('end', onFailure);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onFailure = () => done(false);
    const timer = setTimeout(onFailure, timeoutMs);
    client.once('ready', onReady);
    client.once('error', onFailure);
    client.once('end', onFailure);
  });
}

/** Work to finish on a client before it closes, by client (see `beforeClose`). */
const closing = new WeakMap<Redis, (() => Promise<void>)[]>();

/**
 * Runs `finish` when `closeRedis` closes this client, before the connection goes: for commands
 * a user of the client holds back (the spend counters' delayed settles).
 */
export function beforeClose(client: Redis, finish: () => Promise<void>): void {
  const hooks = closing.get(client);
  if (hooks) hooks.push(finish);
  else closing.set(client, [finish]);
}

/** Closes the client: politely when connected, at once otherwise (no reconnect after this). */
export async function closeRedis(client: Redis): Promise<void> {
  const hooks = closing.get(client) ?? [];
  closing.delete(client);
  await Promise.all(hooks.map((finish) => finish().catch(() => undefined)));
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection is going away anyway.
    }
  }
  client.disconnect();
}

/** One error line when Redis becomes unreachable, one info line when it is back. */
function logOutages(client: Redis, settings: RedisSettings, deps: RedisClientDeps): void {
  const where = describeRedis(settings);
  let reported = false;
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    deps.logger.error(
      { redis: where, connection: deps.name, reason: error.message },
      'REDIS UNREACHABLE: serving on with this replica alone (see docs/cluster.md) and retrying until it is back',
    );
  });
  client.on('ready', () => {
    if (!reported) return;
    reported = false;
    deps.logger.info({ redis: where, connection: deps.name }, 'Redis is reachable again');
  });
}
