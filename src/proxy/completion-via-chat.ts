/**
 * Legacy `/v1/completions` for providers that only speak chat: the prompt becomes one user message
 * and the chat answer is reshaped into a `text_completion`.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  CompletionRequest,
  TextCompletion,
} from '../contracts/openai.js';
import type { Operation, StreamEvent, TextCompletionChunk } from '../providers/types.js';

export function completionViaChat(
  chat: Operation<ChatRequest, ChatCompletion, ChatCompletionChunk>,
): Operation<CompletionRequest, TextCompletion, TextCompletionChunk> {
  const toChat = (request: CompletionRequest): ChatRequest => {
    const { prompt, ...rest } = request;
    const text = Array.isArray(prompt)
      ? prompt.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('\n')
      : prompt;
    return { ...rest, messages: [{ role: 'user', content: text }] } as ChatRequest;
  };
  const toText = (chunk: ChatCompletionChunk): TextCompletionChunk => ({
    id: chunk.id,
    object: 'text_completion',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((c) => ({
      index: c.index,
      text: c.delta.content ?? '',
      finish_reason: c.finish_reason,
      logprobs: null,
    })),
    usage: chunk.usage,
  });
  const decoder = chat.createStreamDecoder;
  return {
    buildRequest: (request, ctx) => chat.buildRequest(toChat(request), ctx),
    parseResponse: (body, ctx) => {
      const completion = chat.parseResponse(body, ctx);
      return {
        id: completion.id,
        object: 'text_completion',
        created: completion.created,
        model: completion.model,
        choices: completion.choices.map((c) => ({
          index: c.index,
          text: c.message.content ?? '',
          finish_reason: c.finish_reason,
          logprobs: null,
        })),
        usage: completion.usage,
      };
    },
    createStreamDecoder: decoder
      ? (ctx) => {
          const inner = decoder(ctx);
          const map = (events: StreamEvent<ChatCompletionChunk>[]) =>
            events.map((e) => ({ chunk: toText(e.chunk) }));
          return { push: (bytes) => map(inner.push(bytes)), end: () => map(inner.end()) };
        }
      : undefined,
  };
}
