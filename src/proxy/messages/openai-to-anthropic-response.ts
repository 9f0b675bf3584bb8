/**
 * An OpenAI chat.completion → the Anthropic message a `/v1/messages` client expects, plus the
 * id, stop-reason and usage mappings the stream encoder shares.
 */
import type {
  AnthropicMessage,
  AnthropicResponseBlock,
  AnthropicStopReason,
  AnthropicUsage,
} from '../../contracts/anthropic.js';
import type { ChatCompletion, Usage } from '../../contracts/openai.js';

const STOP_REASONS: Record<string, AnthropicStopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function toAnthropicStopReason(
  finishReason: string | null | undefined,
): AnthropicStopReason {
  return (finishReason && STOP_REASONS[finishReason]) || 'end_turn';
}

/** Anthropic SDKs and logs recognise messages by the `msg_` prefix. */
export function toAnthropicMessageId(id: string | undefined): string {
  if (id?.startsWith('msg_')) return id;
  return `msg_${(id ?? '').replace(/^chatcmpl-/, '') || Date.now().toString(36)}`;
}

/** Anthropic counts cached tokens apart from `input_tokens`; OpenAI includes them. */
export function toAnthropicUsage(usage: Usage | null | undefined): AnthropicUsage {
  const cacheRead =
    usage?.cache_read_input_tokens ?? usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheCreation = usage?.cache_creation_input_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cacheRead - cacheCreation),
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage?.completion_tokens ?? 0,
  };
}

/** Tool arguments are a JSON string in OpenAI and an object in Anthropic. */
export function parseToolInput(args: string | undefined): unknown {
  if (!args) return {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    // A model that wrote broken JSON: Anthropic clients require an object, so send an empty one.
    return {};
  }
}

export function openAiToAnthropicResponse(
  completion: ChatCompletion,
  requestedModel: string,
): AnthropicMessage {
  const choice = completion.choices[0];
  const content: AnthropicResponseBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolInput(call.function.arguments),
    });
  }
  return {
    id: toAnthropicMessageId(completion.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: toAnthropicStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(completion.usage),
  };
}
