/**
 * `POST /v1/responses`: the OpenAI Responses API in, any provider out. The request becomes a chat
 * request (responses/responses-to-chat.ts), is admitted, routed, priced and booked like every
 * chat call (call type `aresponses`), and the answer goes back as a `response` object, or as the
 * Responses API's event stream.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Usage } from '../contracts/openai.js';
import { ResponsesRequestSchema } from '../contracts/responses.js';
import { toErrorBody } from '../errors/gateway-error.js';
import { principalOf } from '../server/access-control.js';
import { estimateUsage } from '../spend/estimate-usage.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, responseHeaders } from './proxy-routes.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';
import type { ResponseFrame } from './responses/chat-to-responses.js';
import {
  responsesOperation,
  type ResponsesChunk,
  type ResponsesResult,
} from './responses/responses-operation.js';
import { ResponsesStreamEncoder } from './responses/responses-stream-encoder.js';
import { responsesToChatRequest } from './responses/responses-to-chat.js';
import { SseResponse } from './sse-response.js';

export interface ResponsesRouteDeps {
  service: ProxyService;
}

export function registerResponsesRoute(app: FastifyInstance, deps: ResponsesRouteDeps): void {
  for (const path of ['/v1/responses', '/responses']) {
    app.post(path, (request, reply) => handleResponses(request, reply, deps));
  }
}

async function handleResponses(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ResponsesRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const body = parseBody(ResponsesRequestSchema, request.body);
  const chat = responsesToChatRequest(body);
  const frame: ResponseFrame = {
    callId: request.callId,
    model: body.model,
    request: body,
    createdAt: Math.floor(Date.now() / 1000),
  };
  let encoder: ResponsesStreamEncoder | undefined;
  const resolve: OperationResolver = (adapter) =>
    responsesOperation(adapter, frame, (e) => {
      encoder = e;
    }) as ReturnType<OperationResolver>;
  const result = await deps.service.call<typeof chat, ResponsesResult, ResponsesChunk>(
    resolve,
    chat,
    principal,
    { requestId: request.callId, cancel: abortOnDisconnect(reply), callType: 'aresponses' },
  );
  const headers = responseHeaders(result.meta);
  if (result.kind === 'json') {
    const cost = deps.service.recordUsage(result.meta, result.value.usage);
    headers['x-litellm-response-cost'] = String(cost);
    headers['x-litellm-response-duration-ms'] = String(
      Math.round(performance.now() - result.meta.startedAt),
    );
    return reply.headers(headers).type('application/json').send(result.value.body);
  }
  reply.hijack();
  const sse = new SseResponse(reply.raw);
  sse.start({
    ...headers,
    'x-request-id': String(request.id),
    'x-litellm-call-id': request.callId,
  });
  let usage: Usage | undefined;
  const produced = (): string => encoder?.producedText() ?? '';
  try {
    let text = '';
    for (const event of result.opened.first) {
      if (event.chunk.usage) usage = event.chunk.usage;
      text += event.chunk.text;
    }
    await sse.write(text);
    deps.service.recordFirstChunk(result.meta);
    for await (const events of result.opened.rest) {
      if (sse.isClosed) break;
      text = '';
      for (const event of events) {
        if (event.chunk.usage) usage = event.chunk.usage;
        text += event.chunk.text;
      }
      if (text !== '') await sse.write(text);
    }
    usage ??= await estimateUsage(chat, produced());
    deps.service.recordUsage(result.meta, usage);
    sse.end();
  } catch (error: unknown) {
    usage ??= await estimateUsage(chat, produced()).catch(() => undefined);
    const gatewayError = deps.service.failStream(result.meta, usage, error);
    reply.log.warn(
      { reqId: request.id, err: gatewayError.message, status: gatewayError.status },
      'responses stream ended with an error',
    );
    const { error: detail } = toErrorBody(gatewayError);
    const frameText = (encoder ?? new ResponsesStreamEncoder(frame)).error(
      detail.message,
      detail.code,
      detail.type,
    );
    await sse.write(frameText);
    sse.end();
  }
  return reply;
}
