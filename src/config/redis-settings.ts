/**
 * The Redis of cluster mode, found where LiteLLM users write it. Several places may name one;
 * the first that does wins, and within it a URL beats a host:
 *   1. `router_settings.redis_url` / `redis_host` (+ `redis_port`, `redis_password`)
 *   2. `litellm_settings.cache_params` `url` / `host` (+ `port`, `password`, `username`, `ssl`)
 *      when its `type` is `redis` or unset
 *   3. the environment: `REDIS_URL`, else `REDIS_HOST` (+ `REDIS_PORT`, `REDIS_PASSWORD`,
 *      `REDIS_USERNAME`, `REDIS_SSL`)
 * A host named in the config takes the port, password, username and TLS it does not give from
 * the environment, as LiteLLM merges `REDIS_*` variables into its Redis arguments. Unlike LiteLLM,
 * a `REDIS_URL` in the environment does not override a host named in the config.
 */
import type { ConfigFile } from './schema.js';

export interface RedisSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The database index (the path of a `redis://host/2` URL). */
  db: number;
  tls: boolean;
  /**
   * Prefix of every key and pub/sub channel Tollgate uses in this Redis
   * (`TOLLGATE_REDIS_PREFIX`, default `tollgate:`), so gateways can share one Redis.
   */
  keyPrefix: string;
  /** Where the settings came from, for the start log: `REDIS_URL`, `router_settings.redis_host`. */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** One place that may name the Redis, with the names its fields have there. */
interface Level {
  url?: Field<string>;
  host?: Field<string>;
  port?: Field<number | string>;
  username?: Field<string>;
  password?: Field<string>;
  ssl?: Field<boolean | string>;
}

interface Field<T> {
  value: T;
  path: string;
}

export const DEFAULT_REDIS_PREFIX = 'tollgate:';
const DEFAULT_PORT = 6379;

/**
 * The Redis settings, or undefined when none of the places names a Redis (single-replica mode).
 * Invalid values are added to `problems` with their path.
 */
export function buildRedisSettings(
  file: ConfigFile,
  env: Env,
  problems: string[],
): RedisSettings | undefined {
  const envLevel = environmentLevel(env);
  const levels = [routerLevel(file), cacheParamsLevel(file), envLevel];
  const chosen = levels.find((level) => level.url !== undefined || level.host !== undefined);
  if (!chosen) return undefined;
  const keyPrefix = env.TOLLGATE_REDIS_PREFIX || DEFAULT_REDIS_PREFIX;
  if (chosen.url) return fromUrl(chosen.url, keyPrefix, problems);
  const host = chosen.host as Field<string>;
  // The environment fills in what the chosen place leaves out.
  const port = chosen.port ?? envLevel.port;
  const ssl = chosen.ssl ?? envLevel.ssl;
  return {
    host: host.value,
    port: port === undefined ? DEFAULT_PORT : portOf(port, problems),
    username: (chosen.username ?? envLevel.username)?.value,
    password: (chosen.password ?? envLevel.password)?.value,
    db: 0,
    tls: ssl === undefined ? false : isTrue(ssl.value),
    keyPrefix,
    source: host.path,
  };
}

/** `redis://host:6379/0` (TLS, user and database shown; the password never). */
export function describeRedis(settings: RedisSettings): string {
  const scheme = settings.tls ? 'rediss' : 'redis';
  const user = settings.username ? `${settings.username}@` : '';
  return `${scheme}://${user}${settings.host}:${settings.port}/${settings.db}`;
}

function routerLevel(file: ConfigFile): Level {
  const router = file.router_settings ?? {};
  const at = (name: string) => `router_settings.${name}`;
  return {
    url: field(router.redis_url, at('redis_url')),
    host: field(router.redis_host, at('redis_host')),
    port: field(router.redis_port, at('redis_port')),
    password: field(router.redis_password, at('redis_password')),
  };
}

function cacheParamsLevel(file: ConfigFile): Level {
  const params = file.litellm_settings?.cache_params;
  if (!params || (params.type !== undefined && params.type !== 'redis')) return {};
  const at = (name: string) => `litellm_settings.cache_params.${name}`;
  return {
    url: field(params.url, at('url')),
    host: field(params.host, at('host')),
    port: field(params.port, at('port')),
    username: field(params.username, at('username')),
    password: field(params.password, at('password')),
    ssl: field(params.ssl, at('ssl')),
  };
}

function environmentLevel(env: Env): Level {
  const variable = (name: string): Field<string> | undefined => field(env[name], name);
  return {
    url: variable('REDIS_URL'),
    host: variable('REDIS_HOST'),
    port: variable('REDIS_PORT'),
    username: variable('REDIS_USERNAME'),
    password: variable('REDIS_PASSWORD'),
    ssl: variable('REDIS_SSL'),
  };
}

/** An empty string (`REDIS_HOST=`) names nothing. */
function field<T>(value: T | undefined, path: string): Field<T> | undefined {
  return value === undefined || value === '' ? undefined : { value, path };
}

function fromUrl(
  url: Field<string>,
  keyPrefix: string,
  problems: string[],
): RedisSettings | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.value);
  } catch {
    problems.push(`${url.path}: not a URL; expected redis://[user:password@]host[:port][/db]`);
    return undefined;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    problems.push(`${url.path}: must start with redis:// or rediss:// (TLS)`);
    return undefined;
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    problems.push(`${url.path}: the database after the host must be a number (redis://host/0)`);
  }
  if (parsed.hostname === '') problems.push(`${url.path}: names no host`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? DEFAULT_PORT : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db,
    tls: parsed.protocol === 'rediss:',
    keyPrefix,
    source: url.path,
  };
}

function portOf(port: Field<number | string>, problems: string[]): number {
  const value = Number(port.value);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    problems.push(`${port.path}: must be a port number between 1 and 65535`);
  }
  return value;
}

/** LiteLLM reads `REDIS_SSL=True`; YAML may give a real boolean. */
function isTrue(value: boolean | string): boolean {
  if (typeof value === 'boolean') return value;
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}
