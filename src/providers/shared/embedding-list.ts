/** OpenAI embedding lists for providers with their own embedding shape. */
import type { EmbeddingRequest, EmbeddingResponse } from '../../contracts/openai.js';
import { ProviderError } from '../types.js';

export function toEmbeddingList(
  vectors: number[][],
  model: string,
  promptTokens: number,
): EmbeddingResponse {
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/**
 * Re-encodes float embeddings as base64 little-endian float32, for a client that asked for
 * `encoding_format: "base64"` (the official OpenAI SDKs do by default) from a provider that only
 * returns floats. `parseResponse` does not see the request, so the caller that does applies this.
 */
export function withBase64Embeddings(response: EmbeddingResponse): EmbeddingResponse {
  return {
    ...response,
    data: response.data.map((item) => ({
      ...item,
      embedding: typeof item.embedding === 'string' ? item.embedding : toBase64(item.embedding),
    })),
  };
}

function toBase64(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

/** The embedding inputs as strings; token-id inputs cannot be sent to a non-OpenAI provider. */
export function readEmbeddingTexts(input: EmbeddingRequest['input'], provider: string): string[] {
  const list: unknown[] = Array.isArray(input) ? input : [input];
  if (!list.every((item): item is string => typeof item === 'string')) {
    throw new ProviderError(
      'bad_request',
      `${provider} embeddings take text input; token arrays are not supported`,
      { status: 400 },
    );
  }
  return list;
}
