/**
 * LiteLLM's cache admin routes, for proxy admins: `GET /cache/ping` (does the response cache
 * answer?) and `POST /cache/delete` (drop kept answers by key). Without `litellm_settings.cache`
 * both answer 503, as LiteLLM does.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';
import { parseBody } from '../proxy/parse-body.js';
import type { ResponseCache } from '../proxy/response-cache.js';

/** `POST /cache/delete`: the keys to drop. */
export const CacheDeleteSchema = z.object({ keys: z.array(z.string().min(1)).min(1).max(1000) });

export function registerCacheRoutes(app: FastifyInstance, cache: ResponseCache | undefined): void {
  const required = (): ResponseCache => {
    if (cache) return cache;
    throw new GatewayError(
      'service_unavailable',
      'Cache not initialized: set litellm_settings.cache: true in the config',
    );
  };
  app.get('/cache/ping', async () => {
    const on = required();
    const healthy = await on.ping();
    if (!healthy) {
      throw new GatewayError('service_unavailable', 'The response cache does not answer');
    }
    return {
      status: 'healthy',
      cache_type: on.describe().type,
      ping_response: true,
      set_cache_response: 'success',
      litellm_cache_params: on.describe(),
    };
  });
  app.post('/cache/delete', async (request) => {
    const on = required();
    const { keys } = parseBody(CacheDeleteSchema, request.body);
    await on.delete(keys);
    return { status: 'success' };
  });
}
