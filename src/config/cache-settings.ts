/**
 * `litellm_settings.cache: true` with `cache_params`: LiteLLM's response cache, in this process
 * (`type: local`, the default) or in Redis (`type: redis`, shared by every replica; the Redis of
 * config/redis-settings.ts). Other cache types (s3, gcs, disk, semantic caches) are not built:
 * they are named in a warning and nothing is cached.
 */
import type { CacheSettings } from './gateway-config.js';
import type { RedisSettings } from './redis-settings.js';
import type { ConfigFile } from './schema.js';

/** LiteLLM's default `supported_call_types`; the ones Tollgate caches are CACHED_CALL_TYPES. */
const DEFAULT_CALL_TYPES = ['acompletion', 'atext_completion', 'aembedding', 'atranscription'];
/** The call types whose answers Tollgate keeps (non-streaming chat, completions, embeddings). */
export const CACHED_CALL_TYPES: readonly string[] = [
  'acompletion',
  'atext_completion',
  'aembedding',
];

export function cacheSettings(
  file: ConfigFile,
  redis: RedisSettings | undefined,
  warnings: string[],
): CacheSettings | undefined {
  const litellm = file.litellm_settings;
  if (litellm?.cache !== true) return undefined;
  const params = litellm.cache_params ?? {};
  const type = params.type ?? 'local';
  if (type !== 'local' && type !== 'redis') {
    warnings.push(
      `litellm_settings.cache_params.type: "${type}" is not supported by Tollgate yet (local and redis are); responses are not cached`,
    );
    return undefined;
  }
  if (type === 'redis' && redis === undefined) {
    warnings.push(
      'litellm_settings.cache_params.type: redis needs a Redis (cache_params host/port, or REDIS_HOST / REDIS_URL); responses are cached in this process instead',
    );
  }
  const shared = type === 'redis' && redis !== undefined;
  const requested = params.supported_call_types ?? DEFAULT_CALL_TYPES;
  for (const callType of requested) {
    if (!CACHED_CALL_TYPES.includes(callType) && !DEFAULT_CALL_TYPES.includes(callType)) {
      warnings.push(
        `litellm_settings.cache_params.supported_call_types: "${callType}" is not cached by Tollgate; ignored`,
      );
    }
  }
  return {
    type: shared ? 'redis' : 'local',
    ttlSeconds: params.ttl ?? (shared ? params.default_in_redis_ttl : params.default_in_memory_ttl),
    namespace: params.namespace,
    callTypes: requested.filter((t) => CACHED_CALL_TYPES.includes(t)),
    mode: params.mode ?? 'default_on',
  };
}
