/**
 * `POST /v1/responses`: the OpenAI Responses API in, any provider out. OpenAI deployments get the
 * request as sent and their answer back unchanged; other providers get it translated to chat
 * (responses/responses-to-chat.ts) and their answer as a `response` object or the Responses event
 * stream. Either way the call is admitted, routed, priced and booked like every other (call type
 * `aresponses`).
 */
import type { FastifyInstance } from 'fastify';
import type { ChatRequest, Usage } from '../contracts/openai.js';
import {
  ResponsesRequestSchema,
  type ResponsesChunk,
  type ResponsesRequest,
  type ResponsesResult,
} from '../contracts/responses.js';
import { toErrorBody } from '../errors/gateway-error.js';
import { ForwardedResponsesError } from '../providers/openai/openai-responses.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { estimateUsage } from '../spend/estimate-usage.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, responseHeaders, sendPricedJson } from './proxy-routes.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';
import type { ResponseFrame } from './responses/chat-to-responses.js';
import { responsesOperation, speaksResponses } from './responses/responses-operation.js';
import { ResponsesStreamEncoder } from './responses/responses-stream-encoder.js';
import { responsesToChatRequest } from './responses/responses-to-chat.js';
import { SseResponse } from './sse-response.js';
import type { ResponseLocations } from './stored-responses.js';

export interface ResponsesRouteDeps {
  service: ProxyService;
  /** Where the responses a provider stored were made (for `GET /v1/responses/{id}`). */
  locations: ResponseLocations;
  /** Serves the routes in front of Fastify when given. */
  lane?: FastLane;
}

export function registerResponsesRoute(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  for (const path of ['/v1/responses', '/responses']) {
    app.post(path, (request, reply) => handleResponses(request, reply, deps));
    deps.lane?.post(path, (request, reply) => handleResponses(request, reply, deps));
  }
}

async function handleResponses(
  request: RouteRequest,
  reply: RouteReply,
  deps: ResponsesRouteDeps,
): Promise<unknown> {
  const { service } = deps;
  const principal = principalOf(request);
  const body = parseBody(ResponsesRequestSchema, request.body);
  // Translated up front when any deployment needs the chat bridge, so that what it cannot carry
  // is a 400 before anything is routed.
  const { deployments } = service.resolveModel(principal, body.model);
  const bridged =
    body.mock_response !== undefined ||
    deployments.some((d) => !speaksResponses(service.adapterOf(d), d));
  let chat: ChatRequest | undefined = bridged ? responsesToChatRequest(body) : undefined;
  const translated = (): ChatRequest => (chat ??= responsesToChatRequest(body));
  const frame: ResponseFrame = {
    callId: request.callId,
    model: body.model,
    request: body,
    createdAt: Math.floor(Date.now() / 1000),
  };
  let encoder: ResponsesStreamEncoder | undefined;
  const resolve: OperationResolver = (adapter, deployment) =>
    responsesOperation(adapter, deployment, { frame, chat: translated }, (e) => {
      encoder = e;
    }) as ReturnType<OperationResolver>;
  const result = await service.call<ResponsesRequest, ResponsesResult, ResponsesChunk>(
    resolve,
    body,
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      receivedAt: request.receivedAt,
      cancel: abortOnDisconnect(reply),
      callType: 'aresponses',
      streamsUncheckedText: true,
    },
  );
  if (result.kind === 'json') {
    if (result.value.responseId) {
      deps.locations.remember(result.value.responseId, result.meta.deployment.id);
    }
    return sendPricedJson(reply, service, result);
  }
  const headers = responseHeaders(result.meta);
  reply.hijack();
  const sse = new SseResponse(reply.raw);
  sse.start({
    ...headers,
    'x-request-id': String(request.id),
    'x-litellm-call-id': request.callId,
  });
  let usage: Usage | undefined;
  let produced = '';
  const take = (events: readonly { chunk: ResponsesChunk }[]): string => {
    let text = '';
    for (const { chunk } of events) {
      if (chunk.usage) usage = chunk.usage;
      if (chunk.produced) produced += chunk.produced;
      if (chunk.responseId) deps.locations.remember(chunk.responseId, result.meta.deployment.id);
      text += chunk.text;
    }
    return text;
  };
  // A stream that never reported its usage pays for its prompt and what it produced.
  const estimate = () => estimateUsage(promptOf(body, chat), produced);
  try {
    await sse.write(take(result.opened.first));
    service.recordFirstChunk(result.meta);
    for await (const events of result.opened.rest) {
      if (sse.isClosed) break;
      const text = take(events);
      if (text !== '') await sse.write(text);
    }
    usage ??= await estimate();
    service.recordUsage(result.meta, usage);
    sse.end();
  } catch (error: unknown) {
    usage ??= await estimate().catch(() => undefined);
    const gatewayError = service.failStream(result.meta, usage, error);
    reply.log.warn(
      { reqId: request.id, err: gatewayError.message, status: gatewayError.status },
      'responses stream ended with an error',
    );
    if (!(error instanceof ForwardedResponsesError)) {
      const { error: detail } = toErrorBody(gatewayError);
      await sse.write(
        (encoder ?? new ResponsesStreamEncoder(frame)).error(
          detail.message,
          detail.code,
          detail.type,
        ),
      );
    }
    sse.end();
  }
  return reply;
}

/** The prompt to count: the chat translation when there is one, else the request's own text. */
function promptOf(
  body: ResponsesRequest,
  chat: ChatRequest | undefined,
): { messages?: unknown; prompt?: unknown; tools?: unknown } {
  if (chat) return chat;
  const input = typeof body.input === 'string' ? body.input : JSON.stringify(body.input);
  return { prompt: `${body.instructions ?? ''}${input}`, tools: body.tools ?? undefined };
}
