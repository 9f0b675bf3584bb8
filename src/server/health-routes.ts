/** LiteLLM's health routes: liveness, readiness (turns 503 while shutting down), model health. */
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { Deployment } from '../contracts/deployment.js';
import { VERSION } from '../version.js';

export interface HealthDeps {
  config: GatewayConfig;
  isDraining: () => boolean;
  /** Whether the store answers; undefined when the gateway runs without one. */
  pingDatabase?: () => Promise<boolean>;
  logLevel: string;
  /** Calls one deployment with a tiny request; resolves when it answered. */
  checkDeployment: (deploymentId: string) => Promise<void>;
  /** The deployments served now (config and database ones); the config's when not given. */
  deployments?: () => readonly Deployment[];
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  for (const path of ['/health/liveliness', '/health/liveness']) {
    // A JSON string, as LiteLLM sends it.
    app.get(path, async (_request, reply) =>
      reply.type('application/json').send(JSON.stringify("I'm alive!")),
    );
  }
  app.get('/health/readiness', async (_request, reply) => {
    if (deps.isDraining()) {
      return reply.status(503).send({ detail: 'Service Unhealthy (shutting down)' });
    }
    return {
      status: 'healthy',
      db: await databaseStatus(deps.pingDatabase),
      cache: null,
      litellm_version: VERSION,
      success_callbacks: [],
      log_level: deps.logLevel.toUpperCase(),
      is_detailed_debug: deps.logLevel === 'debug',
    };
  });
  app.get('/health', async (request) => {
    const query = request.query as { model?: string; model_id?: string };
    const targets = (deps.deployments?.() ?? deps.config.deployments).filter(
      (d) =>
        (!query.model || d.modelName === query.model) &&
        (!query.model_id || d.id === query.model_id),
    );
    const results = await Promise.all(
      targets.map(async (d) => {
        const endpoint = {
          model: `${d.provider}/${d.model}`,
          model_name: d.modelName,
          model_id: d.id,
          ...(d.apiBase ? { api_base: d.apiBase } : {}),
        };
        try {
          await deps.checkDeployment(d.id);
          return { healthy: true, endpoint };
        } catch (error: unknown) {
          return {
            healthy: false,
            endpoint: {
              ...endpoint,
              error: error instanceof Error ? error.message : String(error),
            },
          };
        }
      }),
    );
    const healthy = results.filter((r) => r.healthy).map((r) => r.endpoint);
    const unhealthy = results.filter((r) => !r.healthy).map((r) => r.endpoint);
    return {
      healthy_endpoints: healthy,
      unhealthy_endpoints: unhealthy,
      healthy_count: healthy.length,
      unhealthy_count: unhealthy.length,
    };
  });
}

/** LiteLLM's three answers: a store that answers, one that does not, and none at all. */
async function databaseStatus(ping: (() => Promise<boolean>) | undefined): Promise<string> {
  if (!ping) return 'Not connected';
  return (await ping()) ? 'connected' : 'disconnected';
}
