/**
 * Google AI Studio (the Gemini API): `models/{model}:generateContent`, `:streamGenerateContent`
 * with SSE, and `:batchEmbedContents`, authenticated with the `x-goog-api-key` header.
 */
import type { ChatRequest } from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { defaultIdSource, type IdSource } from '../shared/id-source.js';
import { joinUrl } from '../shared/url.js';
import { ProviderError, type ProviderAdapter } from '../types.js';
import { fromGeminiEmbedResponse, toGeminiEmbedRequest } from './gemini-embedding.js';
import { parseGeminiError } from './gemini-errors.js';
import { toGeminiRequest } from './gemini-request.js';
import { fromGeminiResponse } from './gemini-response.js';
import { createGeminiStreamDecoder } from './gemini-stream.js';
import { GeminiResponseSchema } from './gemini-wire.js';

const DISPLAY_NAME = 'Gemini';
const DEFAULT_API_BASE = 'https://generativelanguage.googleapis.com';

export function createGeminiAdapter(ids: IdSource = defaultIdSource): ProviderAdapter {
  const request = (d: Deployment, method: string, body: string) => ({
    url: methodUrl(d, method),
    headers: headers(d),
    body,
  });
  return {
    displayName: DISPLAY_NAME,
    chat: {
      buildRequest: (chat, ctx) => {
        const merged = { ...ctx.deployment.defaults, ...chat } as ChatRequest;
        const body = JSON.stringify(toGeminiRequest(merged));
        const method = ctx.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
        return request(ctx.deployment, method, body);
      },
      parseResponse: (body, ctx) => {
        const parsed = GeminiResponseSchema.safeParse(parseUpstreamJson(body, DISPLAY_NAME));
        if (!parsed.success) {
          throw new ProviderError('bad_response', 'Gemini returned an unexpected response shape', {
            status: 502,
          });
        }
        return fromGeminiResponse(parsed.data, ctx.deployment.model, ids);
      },
      createStreamDecoder: (ctx) =>
        createGeminiStreamDecoder(DISPLAY_NAME, ctx.deployment.model, ids),
    },
    embedding: {
      buildRequest: (embed, ctx) =>
        request(
          ctx.deployment,
          'batchEmbedContents',
          toGeminiEmbedRequest(embed, modelName(ctx.deployment)),
        ),
      parseResponse: (body, ctx) => fromGeminiEmbedResponse(body, ctx.deployment.model),
    },
    parseError: parseGeminiError,
  };
}

function modelName(d: Deployment): string {
  return d.model.replace(/^models\//, '');
}

function methodUrl(d: Deployment, method: string): string {
  // LiteLLM's api_base for Gemini usually already names the API version; only add one if not.
  const base = d.apiBase ?? DEFAULT_API_BASE;
  const versioned = /\/v1(beta\d*|alpha)?\/?$/.test(base) ? base : joinUrl(base, '/v1beta');
  return joinUrl(versioned, `/models/${encodeURIComponent(modelName(d))}:${method}`);
}

function headers(d: Deployment): Record<string, string> {
  if (!d.apiKey && !d.apiBase) {
    throw new ProviderError(
      'auth',
      `Gemini needs api_key (or the GEMINI_API_KEY env variable) for model ${d.modelName}`,
      { status: 401 },
    );
  }
  const out: Record<string, string> = { 'content-type': 'application/json' };
  if (d.apiKey) out['x-goog-api-key'] = d.apiKey;
  return Object.assign(out, d.headers);
}
