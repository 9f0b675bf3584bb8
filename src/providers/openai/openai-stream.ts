/**
 * Decoder for OpenAI-format SSE streams (chat and text completions). Chunks pass through with
 * their raw JSON so the proxy can forward them byte for byte.
 */
import { SseDecoder } from '../shared/sse-decoder.js';
import { ProviderError, type StreamDecoder, type StreamEvent } from '../types.js';

interface ChunkLike {
  choices?: { finish_reason?: string | null }[];
  error?: { message?: string; type?: string; code?: string };
}

export function createOpenAiStreamDecoder<T>(displayName: string): StreamDecoder<T> {
  const sse = new SseDecoder();
  let done = false;
  let finished = false;
  const translate = (events: ReturnType<SseDecoder['push']>): StreamEvent<T>[] => {
    const out: StreamEvent<T>[] = [];
    for (const event of events) {
      if (event.data === '[DONE]') {
        done = true;
        continue;
      }
      if (event.data === '') continue;
      let chunk: ChunkLike;
      try {
        chunk = JSON.parse(event.data) as ChunkLike;
      } catch {
        throw new ProviderError(
          'bad_response',
          `${displayName} sent a stream chunk that is not JSON`,
        );
      }
      if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) {
        throw new ProviderError(
          'bad_response',
          `${displayName} sent a stream chunk that is not an object`,
        );
      }
      if (chunk.error) {
        throw new ProviderError('server', chunk.error.message ?? 'stream error', {
          type: chunk.error.type,
        });
      }
      if (chunk.choices?.some((c) => c.finish_reason)) finished = true;
      out.push({ chunk: chunk as T, raw: event.data });
    }
    return out;
  };
  return {
    push: (bytes) => translate(sse.push(bytes)),
    end: () => {
      const rest = translate(sse.flush());
      if (!done && !finished) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return rest;
    },
  };
}
