/** Anthropic message → OpenAI chat.completion, and the usage and stop-reason mappings it needs. */
import {
  AnthropicMessageSchema,
  type AnthropicContentBlockParam,
  type AnthropicUsage,
} from '../../contracts/anthropic.js';
import type {
  AssistantMessage,
  ChatCompletion,
  FinishReason,
  ToolCall,
  Usage,
} from '../../contracts/openai.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { ProviderError } from '../types.js';
import { RESPONSE_FORMAT_TOOL } from './anthropic-params.js';

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function toFinishReason(stopReason: string | null | undefined): FinishReason | null {
  if (!stopReason) return null;
  return FINISH_REASONS[stopReason] ?? 'stop';
}

/**
 * Anthropic counts cached prompt tokens apart from `input_tokens`; OpenAI's `prompt_tokens` is the
 * whole prompt, with the cache hits repeated in `prompt_tokens_details.cached_tokens`.
 */
export function toOpenAiUsage(usage: Partial<AnthropicUsage>): Usage {
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const cacheCreation = usage.cache_creation_input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = input + cacheCreation + cacheRead;
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: cacheRead },
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
  };
}

export function parseAnthropicResponse(body: string, displayName: string): ChatCompletion {
  const parsed = AnthropicMessageSchema.safeParse(parseUpstreamJson(body, displayName));
  if (!parsed.success) {
    throw new ProviderError('bad_response', `${displayName} returned an unexpected message body`, {
      status: 502,
    });
  }
  const message = parsed.data;
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: toAssistantMessage(message.content),
        finish_reason: isJsonModeAnswer(message.content)
          ? 'stop'
          : toFinishReason(message.stop_reason),
      },
    ],
    usage: toOpenAiUsage(message.usage),
  };
}

/** Claude answered a `response_format` request through the forced JSON tool. */
function isJsonModeAnswer(blocks: readonly AnthropicContentBlockParam[]): boolean {
  const calls = blocks.filter((b) => b.type === 'tool_use');
  return calls.length === 1 && calls[0]?.name === RESPONSE_FORMAT_TOOL;
}

function toAssistantMessage(blocks: readonly AnthropicContentBlockParam[]): AssistantMessage {
  const jsonMode = isJsonModeAnswer(blocks);
  let text = '';
  let reasoning = '';
  const thinkingBlocks: AnthropicContentBlockParam[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of blocks) {
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use' && jsonMode) text += JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      if (typeof block.thinking === 'string') reasoning += block.thinking;
      thinkingBlocks.push(block);
    }
  }
  const message: AssistantMessage = { role: 'assistant', content: text === '' ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  // LiteLLM's names: clients send `thinking_blocks` back so multi-turn thinking keeps working.
  if (thinkingBlocks.length > 0) {
    message.reasoning_content = reasoning;
    message.thinking_blocks = thinkingBlocks;
  }
  return message;
}
