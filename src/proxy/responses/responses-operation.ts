/**
 * The `/v1/responses` call as one Operation per deployment: the request was translated to a chat
 * request before routing (so admission, pricing and routing see what every other call does);
 * each deployment's chat adapter runs it, and its answer or stream is turned into the Responses
 * API's shapes.
 */
import type { ChatRequest, Usage } from '../../contracts/openai.js';
import type { Operation, ProviderAdapter } from '../../providers/types.js';
import { chatToResponse, type ResponseFrame } from './chat-to-responses.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

/** A complete answer: the `response` JSON text to send, and the usage to book. */
export interface ResponsesResult {
  body: string;
  usage?: Usage;
}

/** A piece of the Responses SSE stream, with the usage once it is known. */
export interface ResponsesChunk {
  text: string;
  usage?: Usage;
}

export type ResponsesOperation = Operation<ChatRequest, ResponsesResult, ResponsesChunk>;

export function responsesOperation(
  adapter: ProviderAdapter,
  frame: ResponseFrame,
  onEncoder?: (encoder: ResponsesStreamEncoder) => void,
): ResponsesOperation {
  const chat = adapter.chat;
  return {
    buildRequest: (request, ctx) => chat.buildRequest(request, ctx),
    parseResponse: (body, ctx) => {
      const completion = chat.parseResponse(body, ctx);
      return { body: JSON.stringify(chatToResponse(completion, frame)), usage: completion.usage };
    },
    createStreamDecoder: chat.createStreamDecoder
      ? (ctx) => {
          const inner = chat.createStreamDecoder!(ctx);
          const encoder = new ResponsesStreamEncoder(frame);
          onEncoder?.(encoder);
          let usage: Usage | undefined;
          const encode = (events: ReturnType<typeof inner.push>) =>
            events.map((event) => {
              if (event.chunk.usage) usage = event.chunk.usage;
              return { chunk: { text: encoder.push(event.chunk) } };
            });
          return {
            push: (bytes) => encode(inner.push(bytes)),
            end: () => {
              const last = encode(inner.end());
              return [...last, { chunk: { text: encoder.end(usage), usage } }];
            },
          };
        }
      : undefined,
  };
}
