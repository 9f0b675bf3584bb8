/**
 * The `/v1/responses` call as one Operation per deployment. A provider that speaks the Responses
 * API itself (OpenAI: `adapter.responses`) gets the request as sent, and its answer and stream are
 * forwarded unchanged, so stored responses, hosted tools and new fields keep working. Any other
 * provider runs the request translated to chat (responses-to-chat.ts, done before routing so its
 * 400s come first), and its answer or stream is turned into the Responses API's shapes.
 */
import type { Deployment } from '../../contracts/deployment.js';
import type { ChatRequest, Usage } from '../../contracts/openai.js';
import type {
  ResponsesChunk,
  ResponsesRequest,
  ResponsesResult,
} from '../../contracts/responses.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { ProviderError, type Operation, type ProviderAdapter } from '../../providers/types.js';
import { chatToResponse, type ResponseFrame } from './chat-to-responses.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';

export type ResponsesOperation = Operation<ResponsesRequest, ResponsesResult, ResponsesChunk>;

/** True when the deployment answers `/v1/responses` itself (not a mock, not a chat bridge). */
export function speaksResponses(adapter: ProviderAdapter | undefined, d: Deployment): boolean {
  return adapter?.responses !== undefined && d.connection.mock_response === undefined;
}

export function responsesOperation(
  adapter: ProviderAdapter,
  deployment: Deployment,
  bridge: { frame: ResponseFrame; chat: () => ChatRequest },
  onEncoder?: (encoder: ResponsesStreamEncoder) => void,
): ResponsesOperation {
  if (adapter.responses && speaksResponses(adapter, deployment)) return adapter.responses;
  return bridged(adapter, bridge.frame, bridge.chat, onEncoder);
}

function bridged(
  adapter: ProviderAdapter,
  frame: ResponseFrame,
  translated: () => ChatRequest,
  onEncoder?: (encoder: ResponsesStreamEncoder) => void,
): ResponsesOperation {
  const chat = adapter.chat;
  return {
    // The output cap may have been lowered by a budget since the translation.
    buildRequest: (request, ctx) => {
      const cap = request.max_output_tokens ?? (request.max_tokens as number | undefined);
      const body = translatedOrRefused(translated);
      return chat.buildRequest(typeof cap === 'number' ? { ...body, max_tokens: cap } : body, ctx);
    },
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
              const before = encoder.producedText().length;
              const text = encoder.push(event.chunk);
              return { chunk: { text, produced: encoder.producedText().slice(before) } };
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

/**
 * The translation, made here only when a fallback reaches a chat-only provider from a group that
 * passes requests through: what it cannot carry is the client's 400 (not retried), as up front.
 */
function translatedOrRefused(translated: () => ChatRequest): ChatRequest {
  try {
    return translated();
  } catch (error: unknown) {
    if (error instanceof GatewayError) {
      throw new ProviderError('bad_request', error.message, { status: 400 });
    }
    throw error;
  }
}
