/**
 * Ollama, as LiteLLM routes it: `ollama_chat/<model>` to /api/chat, `ollama/<model>` to
 * /api/generate with a flattened prompt, embeddings to /api/embed. The server is
 * http://localhost:11434 unless `api_base` says otherwise; an `api_key` is sent as a bearer token
 * for Ollama servers behind an authenticating proxy.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { toEmbeddingList } from '../shared/embedding-list.js';
import { defaultIdSource, type IdSource } from '../shared/id-source.js';
import { joinUrl } from '../shared/url.js';
import { parseOpenAiError } from '../openai/openai-errors.js';
import type { CallContext, ProviderAdapter, UpstreamRequest } from '../types.js';
import {
  toOllamaChatBody,
  toOllamaEmbedBody,
  toOllamaGenerateBody,
  toOllamaTextBody,
  type OllamaKind,
} from './ollama-request.js';
import { fromOllamaAnswer, fromOllamaTextAnswer } from './ollama-response.js';
import { createOllamaChatStreamDecoder, createOllamaTextStreamDecoder } from './ollama-stream.js';
import {
  OLLAMA_DISPLAY_NAME,
  OllamaAnswerSchema,
  OllamaEmbedResponseSchema,
  parseOllamaBody,
} from './ollama-wire.js';

export const OLLAMA_DEFAULT_API_BASE = 'http://localhost:11434';

export function createOllamaAdapter(
  kind: OllamaKind,
  ids: IdSource = defaultIdSource,
): ProviderAdapter {
  const post = (ctx: CallContext, path: string, body: unknown): UpstreamRequest => ({
    url: ollamaUrl(ctx.deployment, path),
    headers: ollamaHeaders(ctx.deployment),
    body: JSON.stringify(body),
  });
  const parseAnswer = (body: string) => parseOllamaBody(OllamaAnswerSchema, body, 'response');

  return {
    displayName: OLLAMA_DISPLAY_NAME,
    chat: {
      buildRequest: (request, ctx) =>
        kind === 'ollama_chat'
          ? post(ctx, '/api/chat', toOllamaChatBody(request, ctx))
          : post(ctx, '/api/generate', toOllamaGenerateBody(request, ctx)),
      parseResponse: (body, ctx) => fromOllamaAnswer(parseAnswer(body), ctx, ids),
      createStreamDecoder: (ctx) => createOllamaChatStreamDecoder(ctx, ids),
    },
    // `ollama_chat/` has no raw-prompt endpoint of its own: the proxy runs completions via chat.
    completion:
      kind === 'ollama'
        ? {
            buildRequest: (request, ctx) =>
              post(ctx, '/api/generate', toOllamaTextBody(request, ctx)),
            parseResponse: (body, ctx) => fromOllamaTextAnswer(parseAnswer(body), ctx, ids),
            createStreamDecoder: (ctx) => createOllamaTextStreamDecoder(ctx, ids),
          }
        : undefined,
    embedding: {
      buildRequest: (request, ctx) => post(ctx, '/api/embed', toOllamaEmbedBody(request, ctx)),
      // Floats only: a client's `encoding_format: "base64"` is applied by the caller, which sees
      // the request (shared/embedding-list.ts, withBase64Embeddings).
      parseResponse: (body, ctx) => {
        const answer = parseOllamaBody(OllamaEmbedResponseSchema, body, 'embedding response');
        const model = answer.model ?? ctx.deployment.model;
        return toEmbeddingList(answer.embeddings, model, answer.prompt_eval_count ?? 0);
      },
    },
    // Ollama errors are `{"error": "message"}`, a shape the OpenAI parser already reads.
    parseError: parseOpenAiError,
  };
}

/** LiteLLM accepts an api_base that already ends in an endpoint; only the server root is kept. */
export function ollamaUrl(d: Deployment, path: string): string {
  const root = (d.apiBase ?? OLLAMA_DEFAULT_API_BASE)
    .replace(/\/+$/, '')
    .replace(/\/api\/(chat|generate|embed|embeddings)$/, '');
  return joinUrl(root, path);
}

function ollamaHeaders(d: Deployment): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (d.apiKey) headers.authorization = `Bearer ${d.apiKey}`;
  return Object.assign(headers, d.headers);
}
