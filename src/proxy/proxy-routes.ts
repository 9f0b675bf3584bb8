/**
 * The OpenAI-compatible routes: chat completions, completions, embeddings and model discovery.
 * Each route parses, calls the ProxyService, and writes JSON or SSE.
 */
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../auth/principal.js';
import {
  ChatRequestSchema,
  CompletionRequestSchema,
  EmbeddingRequestSchema,
  type EmbeddingResponse,
  type Usage,
} from '../contracts/openai.js';
import { toErrorBody } from '../errors/gateway-error.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { withBase64Embeddings } from '../providers/shared/embedding-list.js';
import { rawJsonOf } from '../providers/shared/raw-json.js';
import type { StreamEvent } from '../providers/types.js';
import { estimateUsage, streamedText, utf8Text } from '../spend/estimate-usage.js';
import { KEPT_TEXT_MAX } from '../spend/spend-ledger.js';
import type { MediaUnits } from '../spend/types.js';
import { Cancellation } from './cancellation.js';
import { parseBody } from './parse-body.js';
import type { CallMeta, CallResult, OpName, ProxyService } from './proxy-service.js';
import type { ResponseCache } from './response-cache.js';
import { SseResponse } from './sse-response.js';
import {
  filterStreamChunk,
  flushedChunks,
  splicedChunkText,
  type StreamFilter,
} from '../guardrails/guardrails.js';

export interface ProxyRouteDeps {
  service: ProxyService;
  metrics: GatewayMetrics;
  /** Serves the exact paths in front of Fastify when given. */
  lane?: FastLane;
  /** The response cache, when `litellm_settings.cache` is on. */
  cache?: ResponseCache;
}

/** LiteLLM's call type of each operation: what `cache_params.supported_call_types` names. */
const CALL_TYPES: Readonly<Record<OpName, string>> = {
  chat: 'acompletion',
  completion: 'atext_completion',
  embedding: 'aembedding',
};

/** What Fastify itself sends for a serialised object. */
const JSON_TYPE = 'application/json; charset=utf-8';

/** `created` LiteLLM reports for every model in /v1/models. */
const MODEL_CREATED_AT = 1677610602;

type AnySchema =
  typeof ChatRequestSchema | typeof CompletionRequestSchema | typeof EmbeddingRequestSchema;

interface Streamable {
  choices?: unknown[];
  usage?: Usage | null;
}

export function registerProxyRoutes(app: FastifyInstance, deps: ProxyRouteDeps): void {
  const route = (paths: string[], op: OpName, schema: AnySchema) => {
    for (const path of paths) {
      const spec = { op, schema, path, deps };
      app.post(path, (request, reply) => handleCall(request, reply, spec));
      if (!path.includes(':'))
        deps.lane?.post(path, (request, reply) => handleCall(request, reply, spec));
    }
  };
  route(
    ['/v1/chat/completions', '/chat/completions', '/openai/deployments/:model/chat/completions'],
    'chat',
    ChatRequestSchema,
  );
  route(
    ['/v1/completions', '/completions', '/openai/deployments/:model/completions'],
    'completion',
    CompletionRequestSchema,
  );
  route(
    ['/v1/embeddings', '/embeddings', '/openai/deployments/:model/embeddings'],
    'embedding',
    EmbeddingRequestSchema,
  );

  for (const path of ['/v1/models', '/models']) {
    app.get(path, async (request) => {
      const principal = principalOf(request);
      return {
        data: deps.service
          .modelsFor(principal)
          .map((id) => ({ id, object: 'model', created: MODEL_CREATED_AT, owned_by: 'openai' })),
        object: 'list',
      };
    });
  }
}

interface CallSpec {
  op: OpName;
  schema: AnySchema;
  path: string;
  deps: ProxyRouteDeps;
}

async function handleCall(
  request: RouteRequest,
  reply: RouteReply,
  spec: CallSpec,
): Promise<unknown> {
  const { deps } = spec;
  const principal = principalOf(request);
  const raw = withPathModel(request);
  const body = parseBody(spec.schema, raw) as {
    model: string;
    stream?: boolean | null;
    stream_options?: { include_usage?: boolean } | null;
  };
  // The key names the model the principal's aliases lead to: two keys' aliases never share.
  const cache = deps.cache?.plan(
    CALL_TYPES[spec.op],
    body as Record<string, unknown>,
    deps.cache && deps.service.resolveModel(principal, body.model).model,
  );
  const result = await deps.service.call<typeof body, Streamable, Streamable>(
    spec.op,
    body,
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      cancel: abortOnDisconnect(reply),
      cache,
      wire: true,
      receivedAt: request.receivedAt,
    },
  );
  const headers = responseHeaders(result.meta);
  const hit = result.meta.cacheKey !== undefined;
  if (hit) headers['x-litellm-cache-key'] = result.meta.cacheKey as string;
  if (cache?.read)
    (hit ? deps.metrics.cacheHits : deps.metrics.cacheMisses).inc({ model: result.meta.group });
  if (hit && result.kind === 'json') {
    deps.metrics.cachedTokens.inc(
      { model: result.meta.group },
      result.value.usage?.total_tokens ?? 0,
    );
  }
  // Only the answer to the request as asked is kept: not a fallback's, nor one cut short by a
  // budget that lowered max_tokens.
  const keep = hit || !answeredAsAsked(result.meta) ? undefined : cache?.write;
  if (result.kind === 'json') {
    keep?.(rawJsonOf(result.value) ?? JSON.stringify(result.value));
    const answer =
      result.meta.guards === undefined ? result.value : await checkedAnswer(result, spec, deps);
    if (deps.service.keepsAnswers) {
      result.meta.response = () => rawJsonOf(answer) ?? JSON.stringify(answer);
    }
    const cost = deps.service.recordUsage(result.meta, result.value.usage ?? undefined);
    headers['x-litellm-response-cost'] = String(cost);
    // OpenAI SDKs ask for base64 by default; providers that only return floats get encoded here.
    const value =
      spec.op === 'embedding' && (body as { encoding_format?: string }).encoding_format === 'base64'
        ? withBase64Embeddings(result.value as unknown as EmbeddingResponse)
        : answer;
    headers['x-litellm-response-duration-ms'] = String(
      Math.round(performance.now() - result.meta.startedAt),
    );
    reply.headers(headers);
    // The upstream's own text when the answer goes back as it came: no second serialisation.
    const raw = value === result.value ? rawJsonOf(value) : undefined;
    if (raw !== undefined) return reply.type(JSON_TYPE).send(raw);
    return reply.send(value);
  }
  reply.hijack();
  await pumpStream(reply, result, {
    body: body as PumpOptions['body'],
    includeUsage: body.stream_options?.include_usage === true,
    headers,
    service: deps.service,
    principal,
    keep,
    filter: spec.op === 'embedding' ? undefined : result.meta.guards?.streamFilter(),
  });
  return reply;
}

/**
 * The answer as the call's guardrails let it go (masked), or their refusal, thrown once the call
 * is booked: the provider was paid for it all the same.
 */
async function checkedAnswer(
  result: Extract<CallResult<Streamable, Streamable>, { kind: 'json' }>,
  spec: CallSpec,
  deps: ProxyRouteDeps,
): Promise<Streamable> {
  const guards = result.meta.guards;
  if (!guards || guards.output.length === 0 || spec.op === 'embedding') return result.value;
  try {
    return await guards.checkAnswer(result.value);
  } catch (error: unknown) {
    deps.service.recordUsage(result.meta, result.value.usage ?? undefined);
    throw error;
  }
}

/** The answer is the requested model's to the request as sent (no fallback, no lowered cap). */
function answeredAsAsked(meta: CallMeta): boolean {
  return meta.fallbacks === 0 && meta.tab?.loweredMaxTokens === undefined;
}

/** A cancellation that aborts when the client goes away before the answer is complete. */
export function abortOnDisconnect(reply: RouteReply): Cancellation {
  const cancel = new Cancellation();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) cancel.abort();
  });
  return cancel;
}

/** Azure-style routes carry the model in the path. */
function withPathModel(request: RouteRequest): unknown {
  const params = request.params as { model?: string } | undefined;
  const body = request.body;
  if (params?.model && body && typeof body === 'object' && !Array.isArray(body)) {
    return { model: params.model, ...(body as Record<string, unknown>) };
  }
  return body;
}

export function responseHeaders(meta: CallMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'x-litellm-model-id': meta.deployment.id,
    'x-litellm-model-group': meta.group,
    'x-litellm-attempted-retries': String(meta.retries),
    'x-litellm-attempted-fallbacks': String(meta.fallbacks),
  };
  if (meta.deployment.apiBase && !meta.deployment.apiBase.startsWith('mock:')) {
    headers['x-litellm-model-api-base'] = meta.deployment.apiBase;
  }
  const limits = meta.tab?.headers;
  if (limits) Object.assign(headers, limits);
  if (meta.guards) headers['x-litellm-applied-guardrails'] = meta.guards.names.join(',');
  // What the gateway itself took so far: from the request's arrival (or routing), less the time
  // spent waiting on providers, as LiteLLM reports its own.
  const since = meta.receivedAt ?? meta.startedAt;
  const overhead = performance.now() - since - (meta.upstreamMs ?? 0);
  headers['x-litellm-overhead-duration-ms'] = String(Math.max(0, Math.round(overhead)));
  return headers;
}

/**
 * Sends an answer the route already has as JSON text (`/v1/messages`, `/v1/responses`): the call
 * is booked, and its cost and duration go in LiteLLM's headers.
 */
export async function sendPricedJson(
  reply: RouteReply,
  service: ProxyService,
  result: {
    meta: CallMeta;
    value: { body: string; usage?: Usage; units?: MediaUnits };
    /** The answer's own type when it is not JSON (a transcription as text). */
    contentType?: string;
  },
): Promise<RouteReply> {
  const headers = responseHeaders(result.meta);
  const { usage, units } = result.value;
  const body =
    result.contentType === undefined && result.meta.guards !== undefined
      ? await checkedJsonText(result.meta, result.value.body, () =>
          service.recordUsage(result.meta, usage, units),
        )
      : result.value.body;
  if (service.keepsAnswers) {
    result.meta.response = () =>
      result.contentType === undefined ? body : JSON.stringify(body.slice(0, KEPT_TEXT_MAX));
  }
  headers['x-litellm-response-cost'] = String(service.recordUsage(result.meta, usage, units));
  headers['x-litellm-response-duration-ms'] = String(
    Math.round(performance.now() - result.meta.startedAt),
  );
  return reply
    .headers(headers)
    .type(result.contentType ?? 'application/json')
    .send(body);
}

/**
 * A JSON answer as the call's guardrails let it go: the same text when none reads answers or
 * nothing changed. A refusal is thrown once `book` has booked the call.
 */
async function checkedJsonText(meta: CallMeta, text: string, book: () => void): Promise<string> {
  const guards = meta.guards;
  if (!guards || guards.output.length === 0) return text;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return text;
  }
  if (answer === null || typeof answer !== 'object') return text;
  try {
    const checked = await guards.checkAnswer(answer);
    return checked === answer ? text : JSON.stringify(checked);
  } catch (error: unknown) {
    book();
    throw error;
  }
}

interface PumpOptions {
  /** The request as sent upstream: its prompt is counted when the stream reports no usage. */
  body: { messages?: unknown; prompt?: unknown; tools?: unknown };
  includeUsage: boolean;
  /** The response headers so far; the stream's own are added to this object. */
  headers: Record<string, string>;
  service: ProxyService;
  principal: Principal;
  /** Keeps the events sent, once the stream has ended well (the response cache). */
  keep?: (events: string) => void;
  /** The call's guardrails that read answers, on the text as it streams. */
  filter?: StreamFilter;
}

/**
 * Forwards each chunk as it arrives. The upstream is always asked for usage (it is needed for
 * pricing); the usage-only chunk is passed on only when the client asked for it.
 */
async function pumpStream(
  reply: RouteReply,
  result: Extract<CallResult<Streamable, Streamable>, { kind: 'stream' }>,
  options: PumpOptions,
): Promise<void> {
  const sse = new SseResponse(reply.raw);
  const headers = options.headers;
  headers['x-request-id'] = String(reply.request.id);
  headers['x-litellm-call-id'] = reply.request.callId;
  sse.start(headers);
  let usage: Usage | undefined;
  // What was streamed, kept by reference: counted only if the stream never reports its usage.
  const streamed: (string | Streamable | Uint8Array)[] = [];
  // Guardrails that read the answer see each chunk's text (the stream then has no wire events).
  const filter = options.filter;
  let last: Streamable | undefined;
  // What one upstream network chunk's events become: their text in one piece, or the upstream's
  // own bytes for the events forwarded as they came (`wire`), with the text of any others
  // around them. Within one turn of the event loop the pieces leave in one socket write.
  const render = (events: StreamEvent<Streamable>[]): (string | Uint8Array)[] => {
    const parts: (string | Uint8Array)[] = [];
    let out = '';
    for (let event of events) {
      const wire = event.wire;
      if (wire !== undefined) {
        streamed.push(wire);
        if (out !== '') parts.push(out);
        out = '';
        parts.push(wire);
        continue;
      }
      if (filter) {
        const chunk = filterStreamChunk(filter, event.chunk);
        if (chunk !== event.chunk) {
          event = { chunk, raw: splicedChunkText(event.raw, event.chunk, chunk) };
        }
        last = chunk;
      }
      streamed.push(event.raw ?? event.chunk);
      // Raw OpenAI chunks without a usage block are forwarded as they came, never parsed here.
      if (event.raw !== undefined && event.reportsNoUsage === true) {
        out += `data: ${event.raw}\n\n`;
        continue;
      }
      const chunk = event.chunk;
      if (chunk.usage) usage = chunk.usage;
      if (chunk.usage && !options.includeUsage) {
        if (!chunk.choices || chunk.choices.length === 0) continue;
        const { usage: _dropped, ...rest } = chunk;
        out += `data: ${JSON.stringify(rest)}\n\n`;
        continue;
      }
      out += `data: ${event.raw ?? JSON.stringify(chunk)}\n\n`;
    }
    if (out !== '') parts.push(out);
    return parts;
  };
  // What was sent, for the response cache: only when it keeps this stream.
  let sent = '';
  const keep = options.keep;
  const send = async (parts: (string | Uint8Array)[]): Promise<void> => {
    for (const part of parts) {
      if (keep) sent += typeof part === 'string' ? part : utf8Text(part);
      await sse.write(part);
    }
  };
  try {
    const first = render(result.opened.first);
    // Written even when empty: the status and headers leave with the first write.
    await send(first.length > 0 ? first : ['']);
    options.service.recordFirstChunk(result.meta);
    for await (const events of result.opened.rest) {
      if (sse.isClosed) break;
      await send(render(events));
    }
    if (filter && !sse.isClosed) {
      await send(
        render(flushedChunks(filter, last).map((chunk) => ({ chunk: chunk as Streamable }))),
      );
    }
    if (keep && !sse.isClosed) keep(sent);
    usage ??= await estimateUsage(options.body, streamedText(streamed));
    if (options.service.keepsAnswers) {
      const streamedUsage = usage;
      result.meta.response = () =>
        JSON.stringify({
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: streamedText(streamed) } }],
          usage: streamedUsage,
        });
    }
    options.service.recordUsage(result.meta, usage);
    await sse.done();
  } catch (error: unknown) {
    usage ??= await estimateUsage(options.body, streamedText(streamed)).catch(() => undefined);
    const gatewayError = options.service.failStream(result.meta, usage, error);
    reply.log.warn(
      { reqId: reply.request.id, err: gatewayError.message, status: gatewayError.status },
      'stream ended with an error',
    );
    await sse.fail(toErrorBody(gatewayError));
  }
}
