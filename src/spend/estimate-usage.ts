/**
 * The usage of a stream that ended without reporting one: an upstream that ignores
 * `stream_options.include_usage`, or a stream cut short (client gone, upstream reset) before its
 * usage chunk. The call is still billed: its prompt and the text it did stream are counted with
 * the tokenizer, so a stream cut short pays for what it used.
 */
import type { ChatMessage, Usage } from '../contracts/openai.js';
import { countChatPromptTokens, countTextTokens } from './token-count.js';

interface StreamedChunk {
  choices?: { delta?: { content?: unknown; tool_calls?: unknown }; text?: unknown }[];
}

/**
 * The text a list of OpenAI-format stream chunks carried: raw JSON, parsed, or whole events as the
 * upstream sent them (`data: {...}` and a blank line each, as bytes).
 */
export function streamedText(
  chunks: readonly (string | Uint8Array | { choices?: unknown[] })[],
): string {
  let text = '';
  for (const item of chunks) {
    if (item instanceof Uint8Array) {
      text += streamedText(sseData(item));
      continue;
    }
    let chunk: StreamedChunk;
    try {
      chunk = (typeof item === 'string' ? JSON.parse(item) : item) as StreamedChunk;
    } catch {
      continue;
    }
    for (const choice of chunk.choices ?? []) {
      const content = choice.delta?.content ?? choice.text;
      if (typeof content === 'string') text += content;
      const calls = choice.delta?.tool_calls;
      if (Array.isArray(calls)) {
        for (const call of calls as { function?: { name?: unknown; arguments?: unknown } }[]) {
          if (typeof call.function?.name === 'string') text += call.function.name;
          if (typeof call.function?.arguments === 'string') text += call.function.arguments;
        }
      }
    }
  }
  return text;
}

/** The UTF-8 text of `bytes`, without copying them. */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The `data` of each event in whole SSE events of one `data: ` line each. */
function sseData(bytes: Uint8Array): string[] {
  return utf8Text(bytes)
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

/** Usage counted from the request and the streamed output. */
export async function estimateUsage(
  body: { messages?: unknown; prompt?: unknown; tools?: unknown },
  output: string,
): Promise<Usage> {
  const promptTokens = Array.isArray(body.messages)
    ? await countChatPromptTokens(
        body.messages as ChatMessage[],
        Array.isArray(body.tools) ? body.tools : undefined,
      )
    : await countTextTokens(promptText(body.prompt));
  const completionTokens = await countTextTokens(output);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((p) => typeof p === 'string').join('');
  return '';
}
