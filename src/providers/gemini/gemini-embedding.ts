/** OpenAI embeddings ↔ Gemini `batchEmbedContents`, which takes every input in one request. */
import type { EmbeddingRequest, EmbeddingResponse } from '../../contracts/openai.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { readEmbeddingTexts, toEmbeddingList } from '../shared/embedding-list.js';
import { ProviderError } from '../types.js';
import { GeminiBatchEmbedResponseSchema } from './gemini-wire.js';

export function toGeminiEmbedRequest(request: EmbeddingRequest, model: string): string {
  const texts = readEmbeddingTexts(request.input, 'Gemini');
  return JSON.stringify({
    requests: texts.map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(request.dimensions === undefined ? {} : { outputDimensionality: request.dimensions }),
    })),
  });
}

export function fromGeminiEmbedResponse(body: string, model: string): EmbeddingResponse {
  const parsed = GeminiBatchEmbedResponseSchema.safeParse(parseUpstreamJson(body, 'Gemini'));
  if (!parsed.success) {
    throw new ProviderError('bad_response', 'Gemini returned embeddings in an unexpected shape', {
      status: 502,
    });
  }
  // Google reports no token usage for embeddings; 0 is what LiteLLM reports too.
  return toEmbeddingList(
    parsed.data.embeddings.map((e) => e.values),
    model,
    0,
  );
}
