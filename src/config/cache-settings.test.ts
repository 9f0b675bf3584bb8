import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfigText } from './load-config.js';

const load = (litellm: string, env: Record<string, string> = {}) =>
  loadConfigText(`litellm_settings:\n${litellm}`, { env });

describe('litellm_settings.cache', () => {
  test('off unless cache is true; on, in this process by default, every LiteLLM call type Tollgate caches', () => {
    assert.equal(load('  cache_params: {type: local}').cache, undefined);
    assert.equal(load('  cache: false').cache, undefined);
    const on = load('  cache: true');
    assert.deepEqual(on.cache, {
      type: 'local',
      ttlSeconds: undefined,
      namespace: undefined,
      callTypes: ['acompletion', 'atext_completion', 'aembedding'],
      mode: 'default_on',
    });
    assert.deepEqual(on.warnings, []);
  });

  test('cache_params: ttl (or the per-store default), namespace, call types, mode', () => {
    const config = load(
      `  cache: true
  cache_params:
    type: local
    default_in_memory_ttl: 30
    namespace: team-cache
    supported_call_types: [aembedding, aimage_generation]
    mode: default_off`,
    );
    assert.deepEqual(config.cache, {
      type: 'local',
      ttlSeconds: 30,
      namespace: 'team-cache',
      callTypes: ['aembedding'],
      mode: 'default_off',
    });
    assert.deepEqual(config.warnings, [
      'litellm_settings.cache_params.supported_call_types: "aimage_generation" is not cached by Tollgate; ignored',
    ]);
    assert.equal(
      load('  cache: true\n  cache_params: {ttl: 5, default_in_memory_ttl: 9}').cache?.ttlSeconds,
      5,
    );
  });

  test('redis: the Redis of the config, else the environment; none is said and the process keeps them', () => {
    const shared = load(
      '  cache: true\n  cache_params: {type: redis, host: cache-host, default_in_redis_ttl: 60}',
    );
    assert.equal(shared.cache?.type, 'redis');
    assert.equal(shared.cache?.ttlSeconds, 60);
    assert.equal(shared.redis?.host, 'cache-host');
    assert.equal(
      load('  cache: true\n  cache_params: {type: redis}', { REDIS_HOST: 'h' }).cache?.type,
      'redis',
    );
    const alone = load('  cache: true\n  cache_params: {type: redis}');
    assert.equal(alone.cache?.type, 'local');
    assert.match(alone.warnings.join('\n'), /type: redis needs a Redis/);
  });

  test('cache types not built are named, and nothing is cached', () => {
    const config = load('  cache: true\n  cache_params: {type: redis-semantic}');
    assert.equal(config.cache, undefined);
    assert.match(config.warnings.join('\n'), /"redis-semantic" is not supported by Tollgate yet/);
  });
});
