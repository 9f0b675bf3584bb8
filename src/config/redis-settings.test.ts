import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.js';
import { loadConfigText } from './load-config.js';
import { describeRedis } from './redis-settings.js';

type Env = Record<string, string | undefined>;

function redisOf(text: string, env: Env = {}) {
  return loadConfigText(text, { env }).redis;
}

function problemsOf(text: string, env: Env = {}): string[] {
  try {
    loadConfigText(text, { env });
  } catch (e: unknown) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the config loaded but should have been refused');
}

describe('Redis settings', () => {
  test('none anywhere: single-replica mode', () => {
    assert.equal(redisOf('model_list: []'), undefined);
    assert.equal(redisOf('litellm_settings: {cache_params: {type: local}}'), undefined);
  });

  test('REDIS_URL with user, password, database and TLS', () => {
    const redis = redisOf('{}', { REDIS_URL: 'rediss://app:s%40cret@cache.internal:6380/3' });
    assert.deepEqual(redis, {
      host: 'cache.internal',
      port: 6380,
      username: 'app',
      password: 's@cret',
      db: 3,
      tls: true,
      keyPrefix: 'tollgate:',
      source: 'REDIS_URL',
    });
  });

  test('REDIS_URL with only a password (redis://:password@host) and no port', () => {
    const redis = redisOf('{}', { REDIS_URL: 'redis://:pw@10.0.0.5' });
    assert.equal(redis?.host, '10.0.0.5');
    assert.equal(redis?.port, 6379);
    assert.equal(redis?.username, undefined);
    assert.equal(redis?.password, 'pw');
    assert.equal(redis?.tls, false);
    assert.equal(redis?.db, 0);
  });

  test('REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_USERNAME, REDIS_SSL', () => {
    const redis = redisOf('{}', {
      REDIS_HOST: 'redis-1.example.com',
      REDIS_PORT: '18841',
      REDIS_PASSWORD: 'liteLlmIsAmazing',
      REDIS_USERNAME: 'gateway',
      REDIS_SSL: 'True',
    });
    assert.deepEqual(redis, {
      host: 'redis-1.example.com',
      port: 18841,
      username: 'gateway',
      password: 'liteLlmIsAmazing',
      db: 0,
      tls: true,
      keyPrefix: 'tollgate:',
      source: 'REDIS_HOST',
    });
  });

  test('REDIS_URL beats REDIS_HOST; an empty variable names nothing', () => {
    const env = { REDIS_URL: 'redis://from-url:1234', REDIS_HOST: 'from-host' };
    assert.equal(redisOf('{}', env)?.host, 'from-url');
    assert.equal(redisOf('{}', { REDIS_URL: '', REDIS_HOST: 'from-host' })?.host, 'from-host');
    assert.equal(redisOf('{}', { REDIS_HOST: '' }), undefined);
  });

  test('router_settings.redis_host/port/password, with os.environ/ references', () => {
    const text = `
router_settings:
  redis_host: os.environ/MY_REDIS_HOST
  redis_port: os.environ/MY_REDIS_PORT
  redis_password: os.environ/MY_REDIS_PASSWORD
`;
    const redis = redisOf(text, {
      MY_REDIS_HOST: 'redis.svc',
      MY_REDIS_PORT: '6390',
      MY_REDIS_PASSWORD: 'hunter2',
    });
    assert.equal(redis?.host, 'redis.svc');
    assert.equal(redis?.port, 6390);
    assert.equal(redis?.password, 'hunter2');
    assert.equal(redis?.source, 'router_settings.redis_host');
  });

  test('router_settings.redis_url', () => {
    const redis = redisOf('router_settings: {redis_url: "redis://u:p@r:7000/1"}');
    assert.equal(redis?.host, 'r');
    assert.equal(redis?.db, 1);
    assert.equal(redis?.source, 'router_settings.redis_url');
  });

  test('litellm_settings.cache_params host/port/password (type redis or unset)', () => {
    const text = `
litellm_settings:
  cache_params:
    type: redis
    host: cache-host
    port: 6381
    password: pw
    ssl: true
`;
    const redis = redisOf(text);
    assert.equal(redis?.host, 'cache-host');
    assert.equal(redis?.port, 6381);
    assert.equal(redis?.password, 'pw');
    assert.equal(redis?.tls, true);
    assert.equal(redis?.source, 'litellm_settings.cache_params.host');
    assert.equal(redisOf('litellm_settings: {cache_params: {host: h}}')?.host, 'h');
    assert.equal(redisOf('litellm_settings: {cache_params: {type: s3, host: h}}'), undefined);
  });

  test('the config beats the environment; router_settings beats cache_params', () => {
    const both = `
router_settings: {redis_host: router-host}
litellm_settings: {cache_params: {host: cache-host}}
`;
    const env = { REDIS_URL: 'redis://env-host:1' };
    assert.equal(redisOf(both, env)?.host, 'router-host');
    assert.equal(
      redisOf('litellm_settings: {cache_params: {host: cache-host}}', env)?.host,
      'cache-host',
    );
  });

  test('a host from the config takes the port and password it leaves out from REDIS_*', () => {
    const redis = redisOf('router_settings: {redis_host: cfg}', {
      REDIS_PORT: '6400',
      REDIS_PASSWORD: 'env-pw',
      REDIS_SSL: 'true',
    });
    assert.equal(redis?.host, 'cfg');
    assert.equal(redis?.port, 6400);
    assert.equal(redis?.password, 'env-pw');
    assert.equal(redis?.tls, true);
  });

  test('TOLLGATE_REDIS_PREFIX sets the key prefix', () => {
    const redis = redisOf('{}', { REDIS_HOST: 'h', TOLLGATE_REDIS_PREFIX: 'staging:' });
    assert.equal(redis?.keyPrefix, 'staging:');
  });

  test('refuses bad URLs and ports with their path', () => {
    assert.deepEqual(problemsOf('{}', { REDIS_URL: 'http://h:1' }), [
      'REDIS_URL: must start with redis:// or rediss:// (TLS)',
    ]);
    assert.deepEqual(problemsOf('{}', { REDIS_URL: 'not a url' }), [
      'REDIS_URL: not a URL; expected redis://[user:password@]host[:port][/db]',
    ]);
    assert.deepEqual(problemsOf('{}', { REDIS_URL: 'redis://h/x' }), [
      'REDIS_URL: the database after the host must be a number (redis://host/0)',
    ]);
    assert.deepEqual(problemsOf('router_settings: {redis_host: h, redis_port: 99999}'), [
      'router_settings.redis_port: must be a port number between 1 and 65535',
    ]);
    assert.deepEqual(problemsOf('{}', { REDIS_HOST: 'h', REDIS_PORT: 'abc' }), [
      'REDIS_PORT: must be a port number between 1 and 65535',
    ]);
  });

  test('acted on: no "not supported" warning for the Redis keys; other cache_params keys warn', () => {
    const config = loadConfigText(
      `
router_settings: {redis_host: h, redis_port: 6379, redis_password: p}
litellm_settings:
  cache_params: {type: redis, host: h, port: 6379, password: p, ttl: 600, max_connections: 9}
`,
      { env: {} },
    );
    assert.deepEqual(config.warnings, [
      'litellm_settings.cache_params.max_connections: not supported by Tollgate yet; ignored',
    ]);
  });

  test('describeRedis never shows the password', () => {
    const redis = redisOf('{}', { REDIS_URL: 'rediss://app:topsecret@h:6380/2' });
    assert.ok(redis);
    assert.equal(describeRedis(redis), 'rediss://app@h:6380/2');
  });
});
