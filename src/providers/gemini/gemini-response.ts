/**
 * Gemini GenerateContentResponse → OpenAI chat completion: candidates become choices, function
 * calls become tool calls with generated ids (Gemini does not always give one), and usage
 * metadata becomes OpenAI usage with cached and reasoning token details.
 */
import type {
  AssistantMessage,
  ChatCompletion,
  FinishReason,
  ToolCall,
  Usage,
} from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import { ProviderError } from '../types.js';
import type { GeminiCandidate, GeminiResponse, GeminiUsage } from './gemini-wire.js';

const FINISH_REASONS: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

export function mapFinishReason(reason: string, hasToolCalls: boolean): FinishReason {
  // Gemini says STOP after a function call; OpenAI clients look for "tool_calls".
  if (hasToolCalls && (reason === 'STOP' || reason === 'FINISH_REASON_UNSPECIFIED')) {
    return 'tool_calls';
  }
  return FINISH_REASONS[reason] ?? 'stop';
}

export function toOpenAiUsage(usage: GeminiUsage | undefined): Usage {
  const prompt = usage?.promptTokenCount ?? 0;
  const thoughts = usage?.thoughtsTokenCount ?? 0;
  // Thinking tokens are billed as output, so they count as completion tokens like OpenAI's.
  const completion = (usage?.candidatesTokenCount ?? 0) + thoughts;
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.totalTokenCount ?? prompt + completion,
  };
  if (usage?.cachedContentTokenCount !== undefined) {
    out.prompt_tokens_details = { cached_tokens: usage.cachedContentTokenCount };
  }
  if (usage?.thoughtsTokenCount !== undefined) {
    out.completion_tokens_details = { reasoning_tokens: thoughts };
  }
  return out;
}

/** A prompt Google refused to answer at all arrives as a 200 with `promptFeedback.blockReason`. */
export function assertPromptNotBlocked(response: GeminiResponse): void {
  const feedback = response.promptFeedback;
  if (!feedback?.blockReason) return;
  const reason = feedback.blockReasonMessage ?? feedback.blockReason;
  throw new ProviderError('content_policy', `The prompt was blocked by Gemini: ${reason}`, {
    status: 400,
    type: feedback.blockReason,
  });
}

export interface CandidateOutput {
  text: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
}

export function readCandidate(candidate: GeminiCandidate, ids: IdSource): CandidateOutput {
  let text: string | null = null;
  let reasoning: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      toolCalls.push({
        id: part.functionCall.id ?? ids.newId('call_'),
        type: 'function',
        function: {
          name: part.functionCall.name,
          arguments: JSON.stringify(part.functionCall.args ?? {}),
        },
      });
    } else if (typeof part.text === 'string') {
      if (part.thought) reasoning = (reasoning ?? '') + part.text;
      else text = (text ?? '') + part.text;
    }
  }
  return { text, reasoning, toolCalls };
}

export function fromGeminiResponse(
  response: GeminiResponse,
  model: string,
  ids: IdSource,
): ChatCompletion {
  assertPromptNotBlocked(response);
  const choices = (response.candidates ?? []).map((candidate, position) => {
    const { text, reasoning, toolCalls } = readCandidate(candidate, ids);
    const message: AssistantMessage = { role: 'assistant', content: text };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    if (reasoning !== null) message.reasoning_content = reasoning;
    return {
      index: candidate.index ?? position,
      message,
      finish_reason: mapFinishReason(candidate.finishReason ?? 'STOP', toolCalls.length > 0),
    };
  });
  return {
    id: response.responseId ?? ids.newId('chatcmpl-'),
    object: 'chat.completion',
    created: ids.now(),
    model,
    choices,
    usage: toOpenAiUsage(response.usageMetadata),
  };
}
