/**
 * `POST /v1/messages`: the Anthropic Messages API in, any provider out. Anthropic deployments are
 * passed through natively; others are translated. Streams use Anthropic's SSE events either way.
 */
import type { FastifyInstance } from 'fastify';
import { AnthropicMessagesRequestSchema } from '../contracts/anthropic.js';
import type { Usage } from '../contracts/openai.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import {
  ForwardedStreamError,
  anthropicErrorFrame,
  messagesOperation,
  type MessagesChunk,
  type MessagesResult,
} from './messages/messages-operation.js';
import { toAnthropicErrorBody } from './messages/anthropic-error-body.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, responseHeaders, sendPricedJson } from './proxy-routes.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';
import { SseResponse } from './sse-response.js';

export interface MessagesRouteDeps {
  service: ProxyService;
  /** Serves the routes in front of Fastify when given. */
  lane?: FastLane;
}

/** Route config read by the error handler: errors on this route use Anthropic's body shape. */
export const ANTHROPIC_ERRORS = { errorFormat: 'anthropic' } as const;

export function registerMessagesRoute(app: FastifyInstance, deps: MessagesRouteDeps): void {
  for (const path of ['/v1/messages', '/anthropic/v1/messages']) {
    app.post(path, { config: ANTHROPIC_ERRORS }, (request, reply) =>
      handleMessages(request, reply, deps),
    );
    deps.lane?.post(
      path,
      (request, reply) => handleMessages(request, reply, deps),
      ANTHROPIC_ERRORS,
    );
  }
}

async function handleMessages(
  request: RouteRequest,
  reply: RouteReply,
  deps: MessagesRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const body = parseBody(AnthropicMessagesRequestSchema, request.body);
  const resolve: OperationResolver = (adapter, deployment) =>
    messagesOperation(adapter, deployment, request.headers) as ReturnType<OperationResolver>;
  const result = await deps.service.call<typeof body, MessagesResult, MessagesChunk>(
    resolve,
    body,
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      receivedAt: request.receivedAt,
      cancel: abortOnDisconnect(reply),
      callType: 'anthropic_messages',
      streamsUncheckedText: true,
    },
  );
  if (result.kind === 'json') return sendPricedJson(reply, deps.service, result);
  const headers = responseHeaders(result.meta);
  reply.hijack();
  const sse = new SseResponse(reply.raw);
  sse.start({ ...headers, 'x-request-id': request.id, 'x-litellm-call-id': request.callId });
  let usage: Usage | undefined;
  try {
    for (const event of result.opened.first) {
      if (event.chunk.usage) usage = event.chunk.usage;
      await sse.write(event.chunk.text);
    }
    for await (const events of result.opened.rest) {
      if (sse.isClosed) break;
      let text = '';
      for (const event of events) {
        if (event.chunk.usage) usage = event.chunk.usage;
        text += event.chunk.text;
      }
      if (text !== '') await sse.write(text);
    }
    deps.service.recordUsage(result.meta, usage);
    sse.end();
  } catch (error: unknown) {
    const gatewayError = deps.service.failStream(result.meta, usage, error);
    reply.log.warn(
      { reqId: request.id, err: gatewayError.message },
      'messages stream ended with an error',
    );
    if (!(error instanceof ForwardedStreamError)) {
      const body = toAnthropicErrorBody(gatewayError);
      await sse.write(anthropicErrorFrame(body.error.message, body.error.type));
    }
    sse.end();
  }
  return reply;
}
