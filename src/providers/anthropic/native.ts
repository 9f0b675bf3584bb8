/**
 * Native pass-through for the gateway's `/v1/messages` route when the deployment is itself
 * Anthropic: the client's Anthropic body goes upstream nearly untouched and the answer comes back
 * byte for byte, so features the gateway does not model (new block types, betas) keep working.
 * The gateway only needs the usage, which these helpers read without changing what is forwarded.
 *
 * How the route uses it:
 *   1. `supportsNativeMessages(deployment)`: if false, translate through `proxy/messages` instead.
 *   2. `buildNativeMessagesRequest(body, deployment, { clientHeaders })` → send it.
 *   3. Non-2xx: classify with `adapter.parseError(...)` (for retries and fallbacks); the body is
 *      already an Anthropic error and can be forwarded as is.
 *   4. Non-stream 2xx: forward the body; `readNativeResponse(text)` gives usage and model.
 *   5. Stream 2xx: `const tap = createNativeStreamTap()`, then for every upstream chunk
 *      `tap.push(bytes)` and write the same bytes to the client; at the end `tap.end()` says
 *      whether the stream completed and what it used.
 */
import {
  AnthropicMessageSchema,
  type AnthropicMessagesRequest,
  type AnthropicStreamEvent,
  type AnthropicUsage,
} from '../../contracts/anthropic.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { Usage } from '../../contracts/openai.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { SseDecoder } from '../shared/sse-decoder.js';
import { GATEWAY_ONLY_FIELDS } from '../shared/url.js';
import { ProviderError, type UpstreamRequest } from '../types.js';
import { streamErrorFrom } from './anthropic-errors.js';
import { toAnthropicParams } from './anthropic-params.js';
import { anthropicHeaders, anthropicMessagesUrl } from './anthropic-request.js';
import { toOpenAiUsage } from './anthropic-response.js';

const DISPLAY_NAME = 'Anthropic';

export function supportsNativeMessages(deployment: Deployment): boolean {
  return deployment.provider === 'anthropic';
}

export interface NativeRequestOptions {
  /** The client's request headers: `anthropic-version` and `anthropic-beta` are passed on. */
  clientHeaders?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The upstream request for an Anthropic-format body: the deployment's model and defaults (client
 * fields win), the deployment's key, and no gateway-only fields.
 */
export function buildNativeMessagesRequest(
  body: AnthropicMessagesRequest,
  deployment: Deployment,
  options: NativeRequestOptions = {},
): UpstreamRequest {
  // Defaults are written with OpenAI names in LiteLLM configs (`stop`, `max_completion_tokens`).
  const upstream: Record<string, unknown> = {
    ...toAnthropicParams(deployment.defaults, true),
    ...body,
    model: deployment.model,
  };
  const userId = body.metadata?.user_id;
  for (const field of GATEWAY_ONLY_FIELDS) delete upstream[field];
  // `metadata` is gateway metadata in LiteLLM but also an Anthropic field that accepts only this.
  if (typeof userId === 'string') upstream.metadata = { user_id: userId };

  const client = options.clientHeaders ?? {};
  const headers = anthropicHeaders(deployment, headerValue(client['anthropic-version']));
  const beta = headerValue(client['anthropic-beta']);
  if (beta && headers['anthropic-beta'] === undefined) headers['anthropic-beta'] = beta;
  return { url: anthropicMessagesUrl(deployment), headers, body: JSON.stringify(upstream) };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined;
  return value || undefined;
}

export interface NativeResponseSummary {
  /** Usage in the gateway's OpenAI shape (prompt tokens include cache tokens), for spend. */
  usage: Usage;
  model: string;
  id: string;
}

/** Reads a non-streamed upstream answer that the route forwards unchanged. */
export function readNativeResponse(body: string): NativeResponseSummary {
  const parsed = AnthropicMessageSchema.safeParse(parseUpstreamJson(body, DISPLAY_NAME));
  if (!parsed.success) {
    throw new ProviderError('bad_response', `${DISPLAY_NAME} returned an unexpected message body`, {
      status: 502,
    });
  }
  const { usage, model, id } = parsed.data;
  return { usage: toOpenAiUsage(usage), model, id };
}

export interface NativeStreamSummary extends Partial<Omit<NativeResponseSummary, 'usage'>> {
  usage: Usage;
  stopReason: string | null;
  /** False when the upstream ended before `message_stop`: the client got a cut stream. */
  complete: boolean;
  /** An `error` event the upstream sent mid-stream (the client has already received it). */
  error?: ProviderError;
}

/** Observes a forwarded upstream stream; never alters or withholds a byte. */
export interface NativeStreamTap {
  push(bytes: Uint8Array): void;
  end(): NativeStreamSummary;
}

export function createNativeStreamTap(): NativeStreamTap {
  const sse = new SseDecoder();
  const usage: Partial<AnthropicUsage> = {};
  const summary: Omit<NativeStreamSummary, 'usage'> = { stopReason: null, complete: false };

  const observe = (data: string) => {
    let event: AnthropicStreamEvent;
    try {
      event = JSON.parse(data) as AnthropicStreamEvent;
    } catch {
      return; // Forwarded anyway; the client's SDK reports it better than we could.
    }
    if (event.type === 'message_start') {
      summary.id = event.message.id;
      summary.model = event.message.model;
      Object.assign(usage, event.message.usage);
    } else if (event.type === 'message_delta') {
      summary.stopReason = event.delta.stop_reason ?? summary.stopReason;
      for (const [key, value] of Object.entries(event.usage ?? {})) {
        if (typeof value === 'number') Object.assign(usage, { [key]: value });
      }
    } else if (event.type === 'message_stop') summary.complete = true;
    else if (event.type === 'error') summary.error = streamErrorFrom(event.error);
  };

  return {
    push: (bytes) => {
      for (const event of sse.push(bytes)) observe(event.data);
    },
    end: () => {
      for (const event of sse.flush()) observe(event.data);
      return { ...summary, usage: toOpenAiUsage(usage) };
    },
  };
}
