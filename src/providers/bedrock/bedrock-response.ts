/** Bedrock Converse response → OpenAI chat completion. */
import type {
  AssistantMessage,
  ChatCompletion,
  FinishReason,
  ToolCall,
  Usage,
} from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import type { ConverseResponse, ConverseUsage } from './bedrock-wire.js';

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

export function mapStopReason(reason: string): FinishReason {
  return STOP_REASONS[reason] ?? 'stop';
}

export function toOpenAiUsage(usage: ConverseUsage | undefined): Usage {
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  // Like LiteLLM: Bedrock's inputTokens excludes cached tokens, OpenAI's prompt_tokens includes them.
  const prompt = (usage?.inputTokens ?? 0) + cacheRead + cacheWrite;
  const completion = usage?.outputTokens ?? 0;
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (usage?.cacheReadInputTokens !== undefined || usage?.cacheWriteInputTokens !== undefined) {
    out.prompt_tokens_details = { cached_tokens: cacheRead };
    out.cache_read_input_tokens = cacheRead;
    out.cache_creation_input_tokens = cacheWrite;
  }
  return out;
}

export function fromConverseResponse(
  response: ConverseResponse,
  model: string,
  ids: IdSource,
): ChatCompletion {
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of response.output.message.content) {
    if (typeof block.text === 'string') text = (text ?? '') + block.text;
    const thought = block.reasoningContent?.reasoningText?.text;
    if (typeof thought === 'string') reasoning = (reasoning ?? '') + thought;
    if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId,
        type: 'function',
        function: {
          name: block.toolUse.name,
          arguments: JSON.stringify(block.toolUse.input ?? {}),
        },
      });
    }
  }
  const message: AssistantMessage = { role: 'assistant', content: text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== null) message.reasoning_content = reasoning;
  return {
    id: ids.newId('chatcmpl-'),
    object: 'chat.completion',
    created: ids.now(),
    model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(response.stopReason) }],
    usage: toOpenAiUsage(response.usage),
  };
}
