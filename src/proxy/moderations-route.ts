/**
 * `POST /v1/moderations` (and `/moderations`): OpenAI's content classification
 * (`client.moderations.create`), passed to an OpenAI deployment and its answer back unchanged.
 * The model is optional, as in OpenAI's API: without one, the first model the caller may use whose
 * `model_info.mode` is `moderation` answers. The call is admitted (rate limits, budgets), routed
 * with retries and fallbacks, and booked like every other (call type `amoderation`): OpenAI does
 * not charge for moderations and reports no usage, so it costs 0 unless the deployment sets prices.
 */
import type { FastifyInstance } from 'fastify';
import {
  ModerationRequestSchema,
  type ModerationRequest,
  type ModerationResponse,
} from '../contracts/openai.js';
import { rawJsonOf } from '../providers/shared/raw-json.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { modelOrDefault, requireOperation } from './optional-operations.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, sendPricedJson } from './proxy-routes.js';
import type { ProxyService } from './proxy-service.js';

export interface ModerationsRouteDeps {
  service: ProxyService;
  /** Serves the routes in front of Fastify when given. */
  lane?: FastLane;
}

export function registerModerationsRoute(app: FastifyInstance, deps: ModerationsRouteDeps): void {
  for (const path of ['/v1/moderations', '/moderations']) {
    app.post(path, (request, reply) => handleModerations(request, reply, deps));
    deps.lane?.post(path, (request, reply) => handleModerations(request, reply, deps));
  }
}

const moderationOf = requireOperation(
  'moderation',
  'moderation endpoint',
  'moderations go to OpenAI deployments (model: openai/omni-moderation-latest)',
);

async function handleModerations(
  request: RouteRequest,
  reply: RouteReply,
  deps: ModerationsRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const body = parseBody(ModerationRequestSchema, request.body);
  const model = modelOrDefault(body.model, deps.service, principal, 'moderation');
  const result = await deps.service.answer<
    ModerationRequest & { model: string },
    ModerationResponse
  >(moderationOf, { ...body, model }, principal, {
    requestId: request.callId,
    attribution: request.attribution,
    receivedAt: request.receivedAt,
    cancel: abortOnDisconnect(reply),
    callType: 'amoderation',
  });
  const text = rawJsonOf(result.value) ?? JSON.stringify(result.value);
  return sendPricedJson(reply, deps.service, { meta: result.meta, value: { body: text } });
}
