/**
 * Bedrock ConverseStream (binary event-stream frames) → OpenAI chat chunks. A role chunk opens the
 * answer, text and tool-input deltas follow, `messageStop` gives the finish chunk and `metadata`
 * the closing usage chunk. Bedrock always ends with both, so a stream without them was cut.
 */
import type { Message } from '@smithy/eventstream-codec';
import type { z } from 'zod';
import type { ChatCompletionChunk, ChunkDelta } from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import { ProviderError, type StreamDecoder, type StreamEvent } from '../types.js';
import { parseBedrockStreamException } from './bedrock-errors.js';
import { bodyText, EventStreamDecoder, headerString } from './bedrock-event-stream.js';
import { mapStopReason, toOpenAiUsage } from './bedrock-response.js';
import { StreamEventSchemas } from './bedrock-wire.js';

export function createBedrockStreamDecoder(
  displayName: string,
  model: string,
  ids: IdSource,
): StreamDecoder {
  const frames = new EventStreamDecoder();
  const id = ids.newId('chatcmpl-');
  const created = ids.now();
  /** contentBlockIndex → OpenAI tool call index. */
  const toolIndexes = new Map<number, number>();
  let started = false;
  let stopped = false;
  let finished = false;

  const chunk = (
    choices: ChatCompletionChunk['choices'],
    extra: Partial<ChatCompletionChunk> = {},
  ): StreamEvent => ({
    chunk: { id, object: 'chat.completion.chunk', created, model, choices, ...extra },
  });
  const deltaChunk = (delta: ChunkDelta) => chunk([{ index: 0, delta, finish_reason: null }]);

  const payload = <K extends keyof typeof StreamEventSchemas>(message: Message, type: K) => {
    let json: unknown;
    try {
      json = JSON.parse(bodyText(message));
    } catch {
      throw new ProviderError(
        'bad_response',
        `${displayName} sent a ${type} event that is not JSON`,
      );
    }
    const parsed = StreamEventSchemas[type].safeParse(json);
    if (!parsed.success) {
      throw new ProviderError('bad_response', `${displayName} sent an unexpected ${type} event`);
    }
    return parsed.data as z.infer<(typeof StreamEventSchemas)[K]>;
  };

  const toolIndex = (block: number): number => {
    const known = toolIndexes.get(block);
    if (known !== undefined) return known;
    toolIndexes.set(block, toolIndexes.size);
    return toolIndexes.size - 1;
  };

  const translate = (message: Message): StreamEvent[] => {
    const messageType = headerString(message, ':message-type');
    if (messageType === 'exception') {
      const type = headerString(message, ':exception-type') ?? 'internalServerException';
      throw parseBedrockStreamException(type, bodyText(message));
    }
    if (messageType === 'error') {
      const code = headerString(message, ':error-code') ?? 'InternalServerException';
      throw parseBedrockStreamException(code, headerString(message, ':error-message') ?? '');
    }
    const out: StreamEvent[] = [];
    if (!started) {
      started = true;
      out.push(deltaChunk({ role: 'assistant', content: '' }));
    }
    switch (headerString(message, ':event-type')) {
      case 'contentBlockStart': {
        const { start, contentBlockIndex } = payload(message, 'contentBlockStart');
        const tool = start?.toolUse;
        if (tool) {
          const index = toolIndex(contentBlockIndex);
          const call = { name: tool.name, arguments: '' };
          out.push(
            deltaChunk({
              tool_calls: [{ index, id: tool.toolUseId, type: 'function', function: call }],
            }),
          );
        }
        break;
      }
      case 'contentBlockDelta': {
        const { contentBlockIndex, delta } = payload(message, 'contentBlockDelta');
        if (typeof delta.text === 'string') out.push(deltaChunk({ content: delta.text }));
        if (delta.reasoningContent?.text) {
          out.push(deltaChunk({ reasoning_content: delta.reasoningContent.text }));
        }
        if (delta.toolUse) {
          const index = toolIndex(contentBlockIndex);
          out.push(
            deltaChunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }),
          );
        }
        break;
      }
      case 'messageStop': {
        stopped = true;
        const reason = mapStopReason(payload(message, 'messageStop').stopReason);
        out.push(chunk([{ index: 0, delta: {}, finish_reason: reason }]));
        break;
      }
      case 'metadata':
        finished = true;
        out.push(chunk([], { usage: toOpenAiUsage(payload(message, 'metadata').usage) }));
        break;
      default:
        // messageStart (its role is always assistant) and contentBlockStop carry nothing to send.
        break;
    }
    return out;
  };

  return {
    push: (bytes) => frames.push(bytes).flatMap(translate),
    end: () => {
      if (!stopped || !finished || frames.pendingBytes > 0) {
        throw new ProviderError('connection', `${displayName} stream ended before it was complete`);
      }
      return [];
    },
  };
}
