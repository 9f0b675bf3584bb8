/**
 * Ollama answers → OpenAI responses. Ollama reports tokens as `prompt_eval_count`/`eval_count`,
 * ends with `done_reason` "stop" or "length", and returns tool calls without ids and with
 * arguments as objects: ids are generated and arguments JSON-stringified, as OpenAI clients expect.
 */
import type {
  AssistantMessage,
  ChatCompletion,
  FinishReason,
  TextCompletion,
  ToolCall,
  Usage,
} from '../../contracts/openai.js';
import type { IdSource } from '../shared/id-source.js';
import { ProviderError, type CallContext } from '../types.js';
import type { OllamaAnswer, OllamaToolCall } from './ollama-wire.js';

export function fromOllamaAnswer(
  answer: OllamaAnswer,
  ctx: CallContext,
  ids: IdSource,
): ChatCompletion {
  failOnError(answer);
  const toolCalls = (answer.message?.tool_calls ?? []).map((call) => toOpenAiToolCall(call, ids));
  const content = answer.message?.content ?? answer.response ?? '';
  const message: AssistantMessage = {
    role: 'assistant',
    content: toolCalls.length > 0 && content === '' ? null : content,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const thinking = answer.message?.thinking ?? answer.thinking;
  if (thinking) message.reasoning_content = thinking;
  return {
    id: ids.newId('chatcmpl-'),
    object: 'chat.completion',
    created: createdOf(answer, ids),
    model: answer.model ?? ctx.deployment.model,
    choices: [
      {
        index: 0,
        message,
        finish_reason: finishReasonOf(answer.done_reason, toolCalls.length > 0),
      },
    ],
    usage: usageOf(answer),
  };
}

export function fromOllamaTextAnswer(
  answer: OllamaAnswer,
  ctx: CallContext,
  ids: IdSource,
): TextCompletion {
  failOnError(answer);
  return {
    id: ids.newId('cmpl-'),
    object: 'text_completion',
    created: createdOf(answer, ids),
    model: answer.model ?? ctx.deployment.model,
    choices: [
      {
        index: 0,
        text: answer.response ?? answer.message?.content ?? '',
        finish_reason: finishReasonOf(answer.done_reason, false),
        logprobs: null,
      },
    ],
    usage: usageOf(answer),
  };
}

export function toOpenAiToolCall(call: OllamaToolCall, ids: IdSource): ToolCall {
  const args = call.function.arguments;
  return {
    id: ids.newId('call_'),
    type: 'function',
    function: {
      name: call.function.name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    },
  };
}

/** Ollama says "stop" even when the model called a tool; OpenAI clients look for "tool_calls". */
export function finishReasonOf(doneReason: string | undefined, calledTools: boolean): FinishReason {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

export function usageOf(answer: OllamaAnswer): Usage {
  // Ollama leaves prompt_eval_count out when the whole prompt came from its cache.
  const prompt = answer.prompt_eval_count ?? 0;
  const completion = answer.eval_count ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

export function createdOf(answer: OllamaAnswer, ids: IdSource): number {
  const ms = answer.created_at ? Date.parse(answer.created_at) : NaN;
  return Number.isNaN(ms) ? ids.now() : Math.floor(ms / 1000);
}

export function failOnError(answer: OllamaAnswer): void {
  if (answer.error !== undefined) {
    throw new ProviderError('server', `Ollama failed: ${answer.error}`, { status: 500 });
  }
}
