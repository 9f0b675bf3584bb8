/**
 * OpenAI's stored responses, by id: `GET` and `DELETE /v1/responses/{id}`, `POST
 * /v1/responses/{id}/cancel` (background responses) and `GET /v1/responses/{id}/input_items`,
 * passed to the deployment that holds the response and answered as it answers. A response lives
 * with the provider account that made it, so the deployment is, in order: the one this gateway
 * process saw make it; the Responses-speaking deployment of the `?model=` the client names; the
 * only Responses-speaking deployment the caller may use. Otherwise the client is told to name the
 * model. Not metered: nothing is generated.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Deployment } from '../contracts/deployment.js';
import { GatewayError } from '../errors/gateway-error.js';
import { principalOf } from '../server/access-control.js';
import { abortOnDisconnect } from './proxy-routes.js';
import type { ProxyService } from './proxy-service.js';
import { speaksResponses } from './responses/responses-operation.js';

/** Response ids this process saw made, with the deployment that made them; the latest only. */
export class ResponseLocations {
  private readonly byId = new Map<string, string>();

  constructor(private readonly capacity = 10_000) {}

  remember(responseId: string, deploymentId: string): void {
    this.byId.delete(responseId);
    this.byId.set(responseId, deploymentId);
    if (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
  }

  find(responseId: string): string | undefined {
    return this.byId.get(responseId);
  }
}

type Method = 'GET' | 'POST' | 'DELETE';

export function registerStoredResponseRoutes(
  app: FastifyInstance,
  deps: { service: ProxyService; locations: ResponseLocations },
): void {
  const routes: [Method, string][] = [
    ['GET', ''],
    ['DELETE', ''],
    ['POST', '/cancel'],
    ['GET', '/input_items'],
  ];
  for (const base of ['/v1/responses', '/responses']) {
    for (const [method, suffix] of routes) {
      app.route({
        method,
        url: `${base}/:id${suffix}`,
        handler: (request, reply) => forward(request, reply, deps, { method, suffix }),
      });
    }
  }
}

async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { service: ProxyService; locations: ResponseLocations },
  { method, suffix }: { method: Method; suffix: string },
): Promise<unknown> {
  const { service } = deps;
  const principal = principalOf(request);
  const { id } = request.params as { id: string };
  const query = new URLSearchParams(request.query as Record<string, string>);
  const model = query.get('model') ?? undefined;
  query.delete('model');
  const deployment = locate(deps, principal, id, model);
  const api = service.adapterOf(deployment)?.responses;
  if (!api) throw new Error(`deployment ${deployment.id} does not serve the Responses API`);
  const upstream = await api.resource(
    deployment,
    `${encodeURIComponent(id)}${suffix}`,
    method,
    query,
  );
  const answer = await service.sendTo(deployment, upstream, abortOnDisconnect(reply));
  return reply.code(answer.status).type('application/json').send(answer.body);
}

function locate(
  deps: { service: ProxyService; locations: ResponseLocations },
  principal: Principal,
  id: string,
  model: string | undefined,
): Deployment {
  const { service } = deps;
  const speaks = (d: Deployment) => speaksResponses(service.adapterOf(d), d);
  const seen = deps.locations.find(id);
  const known = seen === undefined ? undefined : service.deploymentById(seen);
  if (known) {
    if (!principal.canUseModel(known.modelName)) throw principal.modelAccessError(known.modelName);
    return known;
  }
  if (model !== undefined) {
    const { deployments, group } = service.resolveModel(principal, model);
    const holder = deployments.find(speaks);
    if (!holder) {
      throw new GatewayError(
        'bad_request',
        `model=${group} does not store responses: only OpenAI and Azure deployments do`,
        { param: 'model' },
      );
    }
    return holder;
  }
  const candidates = service
    .allDeployments()
    .filter((d) => speaks(d) && principal.canUseModel(d.modelName));
  const [only] = candidates;
  if (only && candidates.length === 1) return only;
  throw new GatewayError(
    'bad_request',
    `This gateway does not know which deployment holds response ${id}: add ?model=<the model that made it>`,
    { param: 'model' },
  );
}
