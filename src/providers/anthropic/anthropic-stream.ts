/**
 * Anthropic SSE events → OpenAI chat.completion.chunk objects: a role chunk at `message_start`,
 * content and tool-call deltas per block, a finish chunk at `message_delta`, and a usage chunk
 * (`choices: []`) at `message_stop`. A stream that ends before `message_stop` was cut short.
 */
import type {
  AnthropicContentDelta,
  AnthropicStreamEvent,
  AnthropicUsage,
} from '../../contracts/anthropic.js';
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from '../../contracts/openai.js';
import { SseDecoder, type SseEvent } from '../shared/sse-decoder.js';
import { ProviderError, type StreamDecoder, type StreamEvent } from '../types.js';
import { streamErrorFrom } from './anthropic-errors.js';
import { RESPONSE_FORMAT_TOOL } from './anthropic-params.js';
import { toFinishReason, toOpenAiUsage } from './anthropic-response.js';

/** What each open content block turns into on the OpenAI side. */
type BlockTarget =
  { kind: 'text' | 'json' | 'thinking' | 'ignored' } | { kind: 'tool'; index: number };

export function createAnthropicStreamDecoder(
  displayName: string,
): StreamDecoder<ChatCompletionChunk> {
  const sse = new SseDecoder();
  const blocks = new Map<number, BlockTarget>();
  const usage: Partial<AnthropicUsage> = {};
  let id = '';
  let model = '';
  let created = 0;
  let toolCount = 0;
  let jsonMode = false;
  let stopped = false;

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): StreamEvent => ({
    chunk: {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    },
  });

  const onStart = (index: number, block: Readonly<Record<string, unknown>>) => {
    if (block.type === 'text') {
      blocks.set(index, { kind: 'text' });
      return typeof block.text === 'string' && block.text ? [chunk({ content: block.text })] : [];
    }
    if (block.type === 'thinking') blocks.set(index, { kind: 'thinking' });
    else if (block.type === 'tool_use' && block.name === RESPONSE_FORMAT_TOOL) {
      jsonMode = true;
      blocks.set(index, { kind: 'json' });
    } else if (block.type === 'tool_use') {
      const target = { kind: 'tool' as const, index: toolCount++ };
      blocks.set(index, target);
      const fn = { name: String(block.name), arguments: '' };
      const call = { index: target.index, id: String(block.id), type: 'function' as const };
      return [chunk({ tool_calls: [{ ...call, function: fn }] })];
    } else blocks.set(index, { kind: 'ignored' });
    return [];
  };

  const onDelta = (index: number, delta: AnthropicContentDelta): StreamEvent[] => {
    const target = blocks.get(index);
    if (delta.type === 'text_delta') return [chunk({ content: delta.text })];
    if (delta.type === 'thinking_delta') return [chunk({ reasoning_content: delta.thinking })];
    if (delta.type !== 'input_json_delta' || !delta.partial_json) return [];
    if (target?.kind === 'json') return [chunk({ content: delta.partial_json })];
    if (target?.kind !== 'tool') return [];
    const call = { index: target.index, function: { arguments: delta.partial_json } };
    return [chunk({ tool_calls: [call] })];
  };

  const onEvent = (event: AnthropicStreamEvent): StreamEvent[] => {
    switch (event.type) {
      case 'message_start':
        ({ id, model } = event.message);
        created = Math.floor(Date.now() / 1000);
        Object.assign(usage, event.message.usage);
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        return onStart(event.index, event.content_block as Readonly<Record<string, unknown>>);
      case 'content_block_delta':
        return onDelta(event.index, event.delta);
      case 'message_delta': {
        // Counters in message_delta are running totals for the whole message: overwrite.
        for (const [key, value] of Object.entries(event.usage ?? {})) {
          if (typeof value === 'number') Object.assign(usage, { [key]: value });
        }
        const reason = event.delta.stop_reason;
        if (!reason) return [];
        const finish = jsonMode && reason === 'tool_use' ? 'stop' : toFinishReason(reason);
        return [chunk({}, finish)];
      }
      case 'message_stop': {
        stopped = true;
        const last = chunk({});
        return [{ chunk: { ...last.chunk, choices: [], usage: toOpenAiUsage(usage) } }];
      }
      case 'error':
        throw streamErrorFrom(event.error);
      default:
        return [];
    }
  };

  const translate = (events: SseEvent[]): StreamEvent[] => {
    const out: StreamEvent[] = [];
    for (const sseEvent of events) {
      if (sseEvent.data === '') continue;
      let event: AnthropicStreamEvent;
      try {
        event = JSON.parse(sseEvent.data) as AnthropicStreamEvent;
      } catch {
        throw new ProviderError(
          'bad_response',
          `${displayName} sent a stream event that is not JSON`,
        );
      }
      out.push(...onEvent(event));
    }
    return out;
  };

  return {
    push: (bytes) => translate(sse.push(bytes)),
    end: () => {
      const rest = translate(sse.flush());
      if (!stopped) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return rest;
    },
  };
}
