/**
 * Chat calls to `text-completion-openai/` deployments (`gpt-3.5-turbo-instruct`, `davinci-002`):
 * those models only answer `/completions`, so, as LiteLLM does, the messages' text becomes the
 * prompt (one message a line) and the `text_completion` answer is reshaped into a chat answer,
 * streams chunk by chunk. The mirror of completion-via-chat.ts.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  CompletionRequest,
  TextCompletion,
} from '../contracts/openai.js';
import type { Operation, StreamEvent, TextCompletionChunk } from '../providers/types.js';

export function chatViaCompletion(
  completion: Operation<CompletionRequest, TextCompletion, TextCompletionChunk>,
): Operation<ChatRequest, ChatCompletion, ChatCompletionChunk> {
  const toCompletion = (request: ChatRequest): CompletionRequest => {
    const { messages, ...rest } = request;
    return { ...rest, prompt: messages.map(textOf).join('\n') } as CompletionRequest;
  };
  const toChunk = (chunk: TextCompletionChunk): ChatCompletionChunk =>
    ({
      id: chunk.id,
      object: 'chat.completion.chunk',
      created: chunk.created,
      model: chunk.model,
      choices: chunk.choices.map((c) => ({
        index: c.index,
        delta: { content: c.text },
        finish_reason: c.finish_reason,
      })),
      ...(chunk.usage && { usage: chunk.usage }),
    }) as ChatCompletionChunk;
  const decoder = completion.createStreamDecoder;
  return {
    buildRequest: (request, ctx) => completion.buildRequest(toCompletion(request), ctx),
    parseResponse: (body, ctx) => {
      const answer = completion.parseResponse(body, ctx);
      return {
        id: answer.id,
        object: 'chat.completion',
        created: answer.created,
        model: answer.model,
        choices: answer.choices.map((c) => ({
          index: c.index,
          message: { role: 'assistant', content: c.text },
          finish_reason: c.finish_reason,
          logprobs: null,
        })),
        ...(answer.usage && { usage: answer.usage }),
      } as ChatCompletion;
    },
    createStreamDecoder: decoder
      ? (ctx) => {
          const inner = decoder(ctx);
          const map = (events: StreamEvent<TextCompletionChunk>[]) =>
            events.map((e) => ({ chunk: toChunk(e.chunk) }));
          return { push: (bytes) => map(inner.push(bytes)), end: () => map(inner.end()) };
        }
      : undefined,
  };
}

/** A message's text: its string content, or the text parts of a list. */
function textOf(message: ChatRequest['messages'][number]): string {
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      part && typeof part === 'object' && (part as { type?: unknown }).type === 'text'
        ? String((part as { text?: unknown }).text ?? '')
        : '',
    )
    .filter((text) => text !== '')
    .join(' ');
}
