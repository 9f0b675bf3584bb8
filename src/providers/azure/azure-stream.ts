/**
 * Azure streams are OpenAI SSE with extras: a first chunk with empty `choices` that only carries
 * `prompt_filter_results` (no id, no model, no usage), and, with asynchronous content filtering,
 * chunks whose choices have content-filter annotations but no `delta`. The OpenAI decoder does the
 * parsing; this layer drops the filter-only chunks, so nobody mistakes them for the usage chunk,
 * and gives every chat choice a `delta`.
 */
import type { ChatCompletionChunk } from '../../contracts/openai.js';
import { createOpenAiStreamDecoder } from '../openai/openai-stream.js';
import type { StreamDecoder, StreamEvent, TextCompletionChunk } from '../types.js';

type AnyChunk = ChatCompletionChunk | TextCompletionChunk;

export function createAzureStreamDecoder<T extends AnyChunk>(
  displayName: string,
  kind: 'chat' | 'text',
): StreamDecoder<T> {
  const inner = createOpenAiStreamDecoder<T>(displayName);
  const clean = (events: StreamEvent<T>[]) => events.flatMap((e) => normalizeEvent(e, kind));
  return {
    push: (bytes) => clean(inner.push(bytes)),
    end: () => clean(inner.end()),
  };
}

function normalizeEvent<T extends AnyChunk>(
  event: StreamEvent<T>,
  kind: 'chat' | 'text',
): StreamEvent<T>[] {
  const chunk = event.chunk;
  const choices = (Array.isArray(chunk.choices) ? chunk.choices : []) as Record<string, unknown>[];
  const hasUsage = chunk.usage !== undefined && chunk.usage !== null;
  if (choices.length === 0 && !hasUsage) return [];
  if (kind === 'text' || choices.every((choice) => isObject(choice.delta))) return [event];
  const fixed = {
    ...chunk,
    choices: choices.map((choice) => (isObject(choice.delta) ? choice : { ...choice, delta: {} })),
  } as unknown as T;
  // The JSON changed, so the raw text can no longer be forwarded byte for byte.
  return [{ chunk: fixed }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
