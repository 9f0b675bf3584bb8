/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chat chunks. Each SSE event is a whole
 * GenerateContentResponse holding the next slice of every candidate; the last one carries the
 * finishReason and the final usage, which is sent as the closing `choices: []` chunk. Google ends
 * a complete stream only after a finishReason, so a stream without one was cut.
 */
import type { ChatCompletionChunk, ChunkDelta, Usage } from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import { SseDecoder, type SseEvent } from '../shared/sse-decoder.js';
import { ProviderError, type StreamDecoder, type StreamEvent } from '../types.js';
import { geminiErrorFrom, readErrorBody } from './gemini-errors.js';
import {
  assertPromptNotBlocked,
  mapFinishReason,
  readCandidate,
  toOpenAiUsage,
} from './gemini-response.js';
import { GeminiResponseSchema, type GeminiCandidate } from './gemini-wire.js';

interface ChoiceState {
  toolCalls: number;
  finished: boolean;
}

export function createGeminiStreamDecoder(
  displayName: string,
  model: string,
  ids: IdSource,
): StreamDecoder {
  const sse = new SseDecoder();
  const choices = new Map<number, ChoiceState>();
  let id: string | undefined;
  const created = ids.now();
  let usage: Usage | undefined;

  const chunk = (choice: ChatCompletionChunk['choices']): StreamEvent => ({
    chunk: { id: id ?? '', object: 'chat.completion.chunk', created, model, choices: choice },
  });

  const translateCandidate = (candidate: GeminiCandidate, position: number): StreamEvent[] => {
    const index = candidate.index ?? position;
    const out: StreamEvent[] = [];
    let state = choices.get(index);
    if (!state) {
      state = { toolCalls: 0, finished: false };
      choices.set(index, state);
      out.push(chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    }
    const { text, reasoning, toolCalls } = readCandidate(candidate, ids);
    const delta: ChunkDelta = {};
    if (text !== null) delta.content = text;
    if (reasoning !== null) delta.reasoning_content = reasoning;
    if (toolCalls.length > 0) {
      const first = state.toolCalls;
      delta.tool_calls = toolCalls.map((call, i) => ({ index: first + i, ...call }));
      state.toolCalls += toolCalls.length;
    }
    if (Object.keys(delta).length > 0) out.push(chunk([{ index, delta, finish_reason: null }]));
    if (candidate.finishReason) {
      state.finished = true;
      const reason = mapFinishReason(candidate.finishReason, state.toolCalls > 0);
      out.push(chunk([{ index, delta: {}, finish_reason: reason }]));
    }
    return out;
  };

  const translate = (events: SseEvent[]): StreamEvent[] =>
    events.flatMap((event) => {
      if (event.data === '') return [];
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        throw new ProviderError(
          'bad_response',
          `${displayName} sent a stream event that is not JSON`,
        );
      }
      const error = readErrorBody(json);
      if (error) throw geminiErrorFrom(error, error.error.code ?? 500);
      const parsed = GeminiResponseSchema.safeParse(json);
      if (!parsed.success) {
        throw new ProviderError('bad_response', `${displayName} sent an unexpected stream event`);
      }
      const response = parsed.data;
      assertPromptNotBlocked(response);
      id ??= response.responseId ?? ids.newId('chatcmpl-');
      if (response.usageMetadata) usage = toOpenAiUsage(response.usageMetadata);
      return (response.candidates ?? []).flatMap(translateCandidate);
    });

  return {
    push: (bytes) => translate(sse.push(bytes)),
    end: () => {
      const rest = translate(sse.flush());
      const states = [...choices.values()];
      if (states.length === 0 || states.some((s) => !s.finished)) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return [...rest, { chunk: { ...chunk([]).chunk, usage: usage ?? toOpenAiUsage(undefined) } }];
    },
  };
}
