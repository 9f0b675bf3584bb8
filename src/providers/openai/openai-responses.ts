/**
 * OpenAI's own Responses API (`POST {api_base}/responses`, or Azure's per-resource
 * `/openai/responses`), for `/v1/responses` calls routed to an `openai/` or `azure/` deployment: the client's body goes upstream nearly as sent (the deployment's model
 * and defaults, no gateway-only fields) and the answer and its event stream come back byte for
 * byte. The gateway reads only the usage (`usage` of the response, or of the stream's
 * `response.completed` / `response.incomplete` / `response.failed` event) and whether the stream
 * ended properly.
 */
import { TextDecoder } from 'node:util';
import type { Deployment } from '../../contracts/deployment.js';
import type { Usage } from '../../contracts/openai.js';
import {
  chatUsageOf,
  type ResponsesChunk,
  type ResponsesRequest,
} from '../../contracts/responses.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { SseDecoder } from '../shared/sse-decoder.js';
import { GATEWAY_ONLY_FIELDS } from '../shared/url.js';
import { ProviderError, type ResponsesApi, type UpstreamRequest } from '../types.js';

/** Events after which a Responses stream is complete. */
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** An error the upstream already sent the client in its own stream: nothing more to write. */
export class ForwardedResponsesError extends ProviderError {}

export function createOpenAiResponsesOperation(options: {
  displayName: string;
  url: (d: Deployment) => string;
  headers: (d: Deployment) => Record<string, string> | Promise<Record<string, string>>;
  /** The `model` the upstream is sent; the deployment's model by default. */
  model?: (d: Deployment) => string;
}): ResponsesApi {
  const { displayName } = options;
  return {
    resource: async (d, path, method, query) => {
      const url = new URL(options.url(d));
      url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
      for (const [key, value] of query ?? []) url.searchParams.append(key, value);
      return { url: url.toString(), method, headers: await options.headers(d) };
    },
    buildRequest: async (request, ctx): Promise<UpstreamRequest> => ({
      url: options.url(ctx.deployment),
      headers: await options.headers(ctx.deployment),
      body: JSON.stringify(
        upstreamResponsesBody(
          request,
          ctx.deployment,
          options.model?.(ctx.deployment) ?? ctx.deployment.model,
          ctx.stream,
        ),
      ),
    }),
    parseResponse: (body) => {
      const json = parseUpstreamJson(body, displayName) as Record<string, unknown> | null;
      if (!json || typeof json !== 'object' || !Array.isArray(json.output)) {
        throw new ProviderError(
          'bad_response',
          `${displayName} returned a response without output`,
          {
            status: 502,
          },
        );
      }
      const id = typeof json.id === 'string' ? json.id : undefined;
      return { body, usage: chatUsageOf(json.usage), ...(id && { responseId: id }) };
    },
    createStreamDecoder: () => {
      const sse = new SseDecoder();
      const text = new TextDecoder();
      let usage: Usage | undefined;
      let complete = false;
      let failure: ProviderError | undefined;
      let responseId: string | undefined;
      const observe = (data: string): string => {
        let event: {
          type?: unknown;
          response?: { usage?: unknown; id?: unknown };
          delta?: unknown;
          message?: unknown;
        };
        try {
          event = JSON.parse(data) as typeof event;
        } catch {
          return ''; // Forwarded anyway; the client's SDK reports it better than we could.
        }
        if (event.type === 'response.created' && typeof event.response?.id === 'string') {
          responseId = event.response.id;
        }
        if (typeof event.type === 'string' && TERMINAL.has(event.type)) {
          complete = true;
          usage = chatUsageOf(event.response?.usage) ?? usage;
          if (event.type === 'response.failed') {
            failure = new ForwardedResponsesError('server', `${displayName} response failed`, {
              status: 500,
            });
          }
        } else if (event.type === 'error') {
          failure = new ForwardedResponsesError(
            'server',
            `${displayName} stream error: ${String(event.message ?? 'unknown')}`,
            { status: 500 },
          );
        }
        // What the model produced, counted if the stream never reports its usage.
        return typeof event.delta === 'string' ? event.delta : '';
      };
      const chunk = (forwarded: string, produced: string): { chunk: ResponsesChunk } => ({
        chunk: {
          text: forwarded,
          produced,
          ...(usage && { usage }),
          ...(responseId && { responseId }),
        },
      });
      return {
        push: (bytes) => {
          let produced = '';
          for (const event of sse.push(bytes)) produced += observe(event.data);
          return [chunk(text.decode(bytes, { stream: true }), produced)];
        },
        end: () => {
          let produced = '';
          for (const event of sse.flush()) produced += observe(event.data);
          const last = chunk(text.decode(), produced);
          if (failure) throw failure;
          if (!complete) {
            throw new ProviderError(
              'connection',
              `${displayName} stream ended before response.completed`,
            );
          }
          return [last];
        },
      };
    },
  };
}

/** The body OpenAI gets: deployment defaults, the client's fields, the deployment's model. */
function upstreamResponsesBody(
  request: ResponsesRequest,
  deployment: Deployment,
  model: string,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...responsesDefaults(deployment.defaults), ...request };
  const metadata = request.metadata;
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  // `metadata` is also the gateway's (tags); OpenAI takes string values only.
  if (metadata) {
    const strings = Object.entries(metadata).filter(([, v]) => typeof v === 'string');
    if (strings.length > 0) body.metadata = Object.fromEntries(strings);
  }
  // A chat-style cap on the request is one a budget lowered (the request had no cap of its own):
  // it becomes the Responses API's field, and the tighter of it and a configured default wins.
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const cap = body[field];
    delete body[field];
    if (typeof cap !== 'number') continue;
    const current = body.max_output_tokens;
    body.max_output_tokens = typeof current === 'number' ? Math.min(current, cap) : cap;
  }
  delete body.stream_options;
  body.model = model;
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}

/** `litellm_params` defaults that mean the same in the Responses API as in chat. */
const SHARED_DEFAULTS = [
  'temperature',
  'top_p',
  'parallel_tool_calls',
  'user',
  'store',
  'service_tier',
  'top_logprobs',
  'max_output_tokens',
] as const;

/**
 * A deployment's defaults, written for chat completions, as the Responses API names them: caps
 * become `max_output_tokens`, `reasoning_effort` becomes `reasoning.effort`; chat-only ones
 * (`stop`, `seed`, `response_format`, penalties, ...) are left out, since OpenAI refuses
 * parameters it does not know.
 */
function responsesDefaults(defaults: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of SHARED_DEFAULTS) {
    if (defaults[field] !== undefined) out[field] = defaults[field];
  }
  const cap = defaults.max_completion_tokens ?? defaults.max_tokens;
  if (out.max_output_tokens === undefined && typeof cap === 'number') out.max_output_tokens = cap;
  if (typeof defaults.reasoning_effort === 'string') {
    out.reasoning = { effort: defaults.reasoning_effort };
  }
  return out;
}
