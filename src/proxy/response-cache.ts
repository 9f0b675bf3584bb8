/**
 * LiteLLM's response cache (`litellm_settings.cache`): an answer to a chat, completion or
 * embedding call is kept under a hash of what was asked, and the same request later gets it back
 * without calling a provider, at no cost (booked with `cache_hit`). A streamed answer is kept as
 * the SSE events the client got, and replayed to the same streamed request.
 *
 * A request steers it with a `cache` object (LiteLLM's controls): `no-cache` (do not read),
 * `no-store` (do not write), `ttl` (seconds to keep this answer), `s-maxage` (accept only an
 * answer at most this old), `namespace` (a key prefix of its own), `use-cache` (opt in when the
 * cache is `default_off`). Entries live in this process (least recently used dropped beyond
 * MAX_LOCAL_ENTRIES) or in Redis, shared by every replica; a Redis that does not answer is a
 * miss, never a failed call.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CacheSettings } from '../config/gateway-config.js';
import type { RedisSettings } from '../config/redis-settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import { createRedisClient } from '../cluster/redis-connection.js';

/** One request's use of the cache, decided before the call. */
export interface CacheLookup {
  /** The hash the answer is kept under (`x-litellm-cache-key`). */
  key: string;
  /** Reads a kept answer (undefined when none, or older than the request accepts). */
  read: (() => Promise<string | undefined>) | undefined;
  /** Keeps the answer of the call, when the request allows it. */
  write: ((answer: string) => void) | undefined;
}

/**
 * Fields that change nothing in the answer: left out of the key. (`tags` and `fallbacks` stay in:
 * they can change which model answers.)
 */
const NOT_IN_KEY = new Set([
  'cache',
  'caching',
  'litellm_metadata',
  'num_retries',
  'timeout',
  'drop_params',
]);

/** Entries kept in this process at most, and their answers' characters; least recently used go first. */
export const MAX_LOCAL_ENTRIES = 10_000;
export const MAX_LOCAL_CHARS = 64 * 1024 * 1024;
/** An answer longer than this is not kept in the process (a large embedding batch). */
export const MAX_LOCAL_ANSWER_CHARS = 4 * 1024 * 1024;

interface Stored {
  /** When it was stored (ms since the epoch), for `s-maxage`. */
  at: number;
  answer: string;
}

interface Store {
  get(key: string): Promise<Stored | undefined>;
  set(key: string, stored: Stored, ttlSeconds: number | undefined): void;
  delete(keys: readonly string[]): Promise<void>;
  /** Writes and reads back a short-lived entry: whether the cache answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ResponseCacheDeps {
  settings: CacheSettings;
  redis?: RedisSettings;
  logger: Logger;
  now?: () => number;
}

export class ResponseCache {
  private readonly now: () => number;

  private constructor(
    private readonly settings: CacheSettings,
    private readonly store: Store,
    now: (() => number) | undefined,
  ) {
    this.now = now ?? Date.now;
  }

  static async create(deps: ResponseCacheDeps): Promise<ResponseCache> {
    const { settings, redis, logger } = deps;
    const store =
      settings.type === 'redis' && redis !== undefined
        ? await redisStore(redis, logger)
        : localStore(deps.now ?? Date.now);
    return new ResponseCache(settings, store, deps.now);
  }

  /**
   * How a request uses the cache: undefined when it does not (a call type not cached,
   * `default_off` without `use-cache`). Throws a 400 for a malformed `cache` object.
   */
  plan(
    callType: string,
    body: Record<string, unknown>,
    target = String(body.model),
  ): CacheLookup | undefined {
    const controls = cacheControls(body.cache);
    if (!this.settings.callTypes.includes(callType)) return undefined;
    // LiteLLM's `caching` field: false leaves the cache alone, true opts in like `use-cache`.
    if (body.caching === false) return undefined;
    const optedIn = controls['use-cache'] === true || body.caching === true;
    if (this.settings.mode === 'default_off' && !optedIn) return undefined;
    const namespace = controls.namespace ?? this.settings.namespace;
    const hash = keyOf(`${callType}\n${target}`, body);
    const key = namespace ? `${namespace}:${hash}` : hash;
    const maxAge = controls['s-maxage'];
    const ttl = controls.ttl ?? this.settings.ttlSeconds;
    return {
      key,
      read:
        controls['no-cache'] === true
          ? undefined
          : async () => {
              const stored = await this.store.get(key);
              if (!stored) return undefined;
              if (maxAge !== undefined && this.now() - stored.at > maxAge * 1000) return undefined;
              return stored.answer;
            },
      write:
        controls['no-store'] === true
          ? undefined
          : (answer) => this.store.set(key, { at: this.now(), answer }, ttl),
    };
  }

  /** `/cache/ping`: whether a value written now reads back. */
  ping(): Promise<boolean> {
    return this.store.ping();
  }

  /** `/cache/delete`: drops kept answers by their keys (as `x-litellm-cache-key` gives them). */
  delete(keys: readonly string[]): Promise<void> {
    return this.store.delete(keys);
  }

  /** What `/cache/ping` shows of the settings. */
  describe(): { type: string; namespace: string | null; supported_call_types: string[] } {
    return {
      type: this.settings.type,
      namespace: this.settings.namespace ?? null,
      supported_call_types: [...this.settings.callTypes],
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The key a ping writes and reads back, gone a few seconds later. */
const PING_KEY = 'tollgate:cache-ping';

interface CacheControls {
  ttl?: number;
  's-maxage'?: number;
  'no-cache'?: boolean;
  'no-store'?: boolean;
  namespace?: string;
  'use-cache'?: boolean;
}

/** The request's `cache` object, checked: LiteLLM's six controls, each of its type. */
function cacheControls(value: unknown): CacheControls {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('bad_request', 'Invalid request body: cache: must be an object', {
      param: 'cache',
    });
  }
  const controls = value as Record<string, unknown>;
  const fail = (name: string, what: string): never => {
    throw new GatewayError('bad_request', `Invalid request body: cache.${name}: ${what}`, {
      param: `cache.${name}`,
    });
  };
  for (const [name, control] of Object.entries(controls)) {
    if (name === 'ttl' || name === 's-maxage') {
      if (typeof control !== 'number' || !Number.isFinite(control) || control < 0) {
        fail(name, 'must be a number of seconds, 0 or more');
      }
    } else if (name === 'no-cache' || name === 'no-store' || name === 'use-cache') {
      if (typeof control !== 'boolean') fail(name, 'must be true or false');
    } else if (name === 'namespace') {
      if (typeof control !== 'string' || control === '' || control.length > 200) {
        fail(name, 'must be a non-empty string of at most 200 characters');
      }
    } else {
      fail(name, 'unknown cache control (ttl, s-maxage, no-cache, no-store, namespace, use-cache)');
    }
  }
  return controls as CacheControls;
}

/**
 * SHA-256 of the call type and every field that shapes the answer, keys sorted at every level.
 * `stream` and `stream_options` count for streams only (their answer is kept as events).
 */
function keyOf(callType: string, body: Record<string, unknown>): string {
  const hash = createHash('sha256').update(callType).update('\n');
  const streamed = body.stream === true;
  const fields = Object.keys(body)
    .filter(
      (name) =>
        !NOT_IN_KEY.has(name) &&
        name !== 'metadata' &&
        (streamed || (name !== 'stream' && name !== 'stream_options')),
    )
    .sort();
  for (const name of fields) {
    hash.update(JSON.stringify(name)).update(':').update(canonicalJson(body[name])).update('\n');
  }
  // Of the metadata (trace ids and the like), only the tags count: they may route the call.
  const metadata = body.metadata;
  if (metadata !== null && typeof metadata === 'object' && 'tags' in metadata) {
    hash.update('metadata.tags:').update(canonicalJson((metadata as { tags: unknown }).tags));
  }
  return hash.digest('hex');
}

/** JSON with object keys in sorted order, so that equal requests hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Entries in a Map, in order of last use, within MAX_LOCAL_ENTRIES and MAX_LOCAL_CHARS;
 * expired ones dropped when met.
 */
function localStore(now: () => number): Store {
  const entries = new Map<string, { stored: Stored; until: number }>();
  let chars = 0;
  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    chars -= entry.stored.answer.length;
  };
  return {
    get: async (key) => {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (now() >= entry.until) {
        drop(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.stored;
    },
    set: (key, stored, ttlSeconds) => {
      drop(key);
      if (stored.answer.length > MAX_LOCAL_ANSWER_CHARS) return;
      entries.set(key, {
        stored,
        until: ttlSeconds === undefined ? Infinity : stored.at + ttlSeconds * 1000,
      });
      chars += stored.answer.length;
      while (entries.size > MAX_LOCAL_ENTRIES || chars > MAX_LOCAL_CHARS) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        drop(oldest);
      }
    },
    delete: async (keys) => {
      for (const key of keys) drop(key);
    },
    ping: async () => true,
    close: async () => {
      entries.clear();
      chars = 0;
    },
  };
}

/** Entries in Redis as `{at, answer}` JSON; a Redis that fails is a miss and a skipped write. */
async function redisStore(settings: RedisSettings, logger: Logger): Promise<Store> {
  const client: Redis = await createRedisClient(settings, { logger, name: 'cache' });
  return {
    get: async (key) => {
      try {
        const text = await client.get(key);
        if (text === null) return undefined;
        const stored = JSON.parse(text) as Partial<Stored>;
        return typeof stored.at === 'number' && typeof stored.answer === 'string'
          ? (stored as Stored)
          : undefined;
      } catch (error: unknown) {
        logger.warn(
          { err: String(error) },
          'response cache: Redis read failed; calling the provider',
        );
        return undefined;
      }
    },
    set: (key, stored, ttlSeconds) => {
      const text = JSON.stringify(stored);
      const write =
        ttlSeconds === undefined
          ? client.set(key, text)
          : client.set(key, text, 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
      write.catch((error: unknown) =>
        logger.warn({ err: String(error) }, 'response cache: Redis write failed; answer not kept'),
      );
    },
    delete: async (keys) => {
      if (keys.length > 0) await client.del(...keys);
    },
    ping: async () => {
      const value = String(Date.now());
      try {
        await client.set(PING_KEY, value, 'PX', 5000);
        return (await client.get(PING_KEY)) === value;
      } catch {
        return false;
      }
    },
    close: async () => {
      client.disconnect();
    },
  };
}
