/**
 * Ollama streams NDJSON: one answer-shaped object a line, the last with `done: true`, the finish
 * reason and the token counts. They become OpenAI chunks: the assistant role first, then content
 * deltas, a finish chunk, and a usage chunk with `choices: []`. A stream that ends before its
 * `done` line was cut; an `{"error": ...}` line is a failure Ollama reports after the 200.
 */
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import { NdjsonDecoder } from '../shared/ndjson-decoder.js';
import {
  ProviderError,
  type CallContext,
  type StreamDecoder,
  type StreamEvent,
  type TextCompletionChunk,
} from '../types.js';
import { createdOf, finishReasonOf, toOpenAiToolCall, usageOf } from './ollama-response.js';
import {
  OLLAMA_DISPLAY_NAME,
  OllamaAnswerSchema,
  readOllama,
  type OllamaAnswer,
} from './ollama-wire.js';

interface ChunkHead {
  id: string;
  created: number;
  model: string;
}

export function createOllamaChatStreamDecoder(
  ctx: CallContext,
  ids: IdSource,
): StreamDecoder<ChatCompletionChunk> {
  const id = ids.newId('chatcmpl-');
  let toolCalls = 0;
  const chunk = (head: ChunkHead, delta: ChunkDelta, finish: FinishReason | null) => ({
    ...head,
    object: 'chat.completion.chunk' as const,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return decodeOllamaLines(ctx, ids, id, (line, head, first) => {
    const out: ChatCompletionChunk[] = [];
    if (first) out.push(chunk(head, { role: 'assistant', content: '' }, null));
    const thinking = line.message?.thinking ?? line.thinking;
    if (thinking) out.push(chunk(head, { reasoning_content: thinking }, null));
    const content = line.message?.content ?? line.response ?? '';
    if (content !== '') out.push(chunk(head, { content }, null));
    const calls = line.message?.tool_calls ?? [];
    if (calls.length > 0) {
      // Ollama sends each tool call whole, so one delta carries id, name and all arguments.
      const deltas = calls.map((call) => ({ index: toolCalls++, ...toOpenAiToolCall(call, ids) }));
      out.push(chunk(head, { tool_calls: deltas }, null));
    }
    if (line.done) {
      out.push(chunk(head, {}, finishReasonOf(line.done_reason, toolCalls > 0)));
      out.push({ ...head, object: 'chat.completion.chunk', choices: [], usage: usageOf(line) });
    }
    return out;
  });
}

export function createOllamaTextStreamDecoder(
  ctx: CallContext,
  ids: IdSource,
): StreamDecoder<TextCompletionChunk> {
  const piece = (head: ChunkHead, text: string, finish: FinishReason | null) => ({
    ...head,
    object: 'text_completion' as const,
    choices: [{ index: 0, text, finish_reason: finish, logprobs: null }],
  });
  return decodeOllamaLines(ctx, ids, ids.newId('cmpl-'), (line, head) => {
    const out: TextCompletionChunk[] = [];
    const text = line.response ?? line.message?.content ?? '';
    if (text !== '') out.push(piece(head, text, null));
    if (line.done) {
      out.push(piece(head, '', finishReasonOf(line.done_reason, false)));
      out.push({ ...head, object: 'text_completion', choices: [], usage: usageOf(line) });
    }
    return out;
  });
}

type Translate<T> = (line: OllamaAnswer, head: ChunkHead, first: boolean) => T[];

/** NDJSON lines → validated answers → chunks, with the done/error/cut-short bookkeeping. */
function decodeOllamaLines<T>(
  ctx: CallContext,
  ids: IdSource,
  id: string,
  translate: Translate<T>,
): StreamDecoder<T> {
  const ndjson = new NdjsonDecoder(OLLAMA_DISPLAY_NAME);
  let head: ChunkHead | undefined;
  let done = false;
  const handle = (values: unknown[]): StreamEvent<T>[] =>
    values.flatMap((value) => {
      if (done) return [];
      const line = readOllama(OllamaAnswerSchema, value, 'stream line');
      if (line.error !== undefined) {
        throw new ProviderError('server', `Ollama stream failed: ${line.error}`, { status: 500 });
      }
      const first = head === undefined;
      // Every chunk of one answer shares id, created and model, as in OpenAI streams.
      head ??= { id, created: createdOf(line, ids), model: line.model ?? ctx.deployment.model };
      done = line.done === true;
      return translate(line, head, first).map((chunk) => ({ chunk }));
    });
  return {
    push: (bytes) => handle(ndjson.push(bytes)),
    end: () => {
      const rest = handle(ndjson.flush());
      if (!done) {
        throw new ProviderError(
          'connection',
          `${OLLAMA_DISPLAY_NAME} stream ended before its last line (done: true)`,
        );
      }
      return rest;
    },
  };
}
