/** OpenAI chat request → the upstream `POST /v1/messages` request. */
import type { Deployment } from '../../contracts/deployment.js';
import type { ChatRequest } from '../../contracts/openai.js';
import { joinUrl } from '../shared/url.js';
import type { CallContext, UpstreamRequest } from '../types.js';
import { toAnthropicMessages } from './anthropic-messages.js';
import { toAnthropicParams } from './anthropic-params.js';

export const ANTHROPIC_API_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires `max_tokens`; LiteLLM sends this when the client gives none. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Accepts `api_base` written as the host, the `/v1` prefix or the full endpoint, as LiteLLM does. */
export function anthropicMessagesUrl(d: Deployment): string {
  const base = d.apiBase ?? ANTHROPIC_API_BASE;
  if (/\/v1\/messages\/?$/.test(base)) return base;
  if (/\/v1\/?$/.test(base)) return joinUrl(base, '/messages');
  return joinUrl(base, '/v1/messages');
}

export function anthropicHeaders(
  d: Deployment,
  version: string = ANTHROPIC_VERSION,
): Record<string, string> {
  const out: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': version,
  };
  if (d.apiKey) out['x-api-key'] = d.apiKey;
  return Object.assign(out, d.headers);
}

export function buildAnthropicRequest(request: ChatRequest, ctx: CallContext): UpstreamRequest {
  return {
    url: anthropicMessagesUrl(ctx.deployment),
    headers: anthropicHeaders(ctx.deployment),
    body: JSON.stringify(anthropicRequestBody(request, ctx)),
  };
}

/** The Messages API body of an OpenAI chat request (also sent to Claude on Vertex AI). */
export function anthropicRequestBody(
  request: ChatRequest,
  ctx: CallContext,
): Record<string, unknown> {
  const { deployment } = ctx;
  const merged: Record<string, unknown> = { ...deployment.defaults };
  for (const [key, value] of Object.entries(request)) {
    // An explicit null from the client means "not set", so it must not hide a default.
    if (value !== null && value !== undefined) merged[key] = value;
  }
  const params = toAnthropicParams(merged, ctx.dropParams);
  const body: Record<string, unknown> = { model: deployment.model };
  const { system, messages } = toAnthropicMessages(request.messages);
  if (system !== undefined) body.system = system;
  body.messages = messages;
  body.max_tokens = maxTokens(params);
  Object.assign(body, params, { max_tokens: body.max_tokens });
  if (ctx.stream) body.stream = true;
  return body;
}

/** Extended thinking needs room beyond its budget; make the default leave that room. */
function maxTokens(params: Record<string, unknown>): number {
  if (typeof params.max_tokens === 'number') return params.max_tokens;
  const thinking = params.thinking as { budget_tokens?: unknown } | undefined;
  const budget = typeof thinking?.budget_tokens === 'number' ? thinking.budget_tokens : 0;
  return budget >= DEFAULT_MAX_TOKENS ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS;
}
