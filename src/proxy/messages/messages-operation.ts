/**
 * The `/v1/messages` call as one Operation per deployment: Anthropic deployments get the body as
 * is and their stream forwarded byte for byte (observed for usage); every other provider goes
 * through the chat adapter, translated both ways.
 */
import type { AnthropicMessagesRequest } from '../../contracts/anthropic.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { Usage } from '../../contracts/openai.js';
import {
  buildNativeMessagesRequest,
  createNativeStreamTap,
  readNativeResponse,
  supportsNativeMessages,
} from '../../providers/anthropic/native.js';
import { ProviderError, type Operation, type ProviderAdapter } from '../../providers/types.js';
import { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
import { anthropicToOpenAiRequest } from './anthropic-to-openai-request.js';
import { openAiToAnthropicResponse } from './openai-to-anthropic-response.js';

/** A complete answer: the Anthropic JSON text to send, and the usage to book. */
export interface MessagesResult {
  body: string;
  usage?: Usage;
}

/** A piece of the Anthropic SSE byte stream, with the usage once it is known. */
export interface MessagesChunk {
  text: string;
  usage?: Usage;
}

export type MessagesOperation = Operation<AnthropicMessagesRequest, MessagesResult, MessagesChunk>;

export function messagesOperation(
  adapter: ProviderAdapter,
  deployment: Deployment,
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>,
): MessagesOperation {
  return supportsNativeMessages(deployment) ? native(clientHeaders) : translated(adapter);
}

function native(
  clientHeaders: Readonly<Record<string, string | string[] | undefined>>,
): MessagesOperation {
  return {
    buildRequest: (request, ctx) =>
      buildNativeMessagesRequest(request, ctx.deployment, { clientHeaders }),
    parseResponse: (body) => ({ body, usage: readNativeResponse(body).usage }),
    createStreamDecoder: () => {
      const tap = createNativeStreamTap();
      const textDecoder = new TextDecoder();
      return {
        push: (bytes) => {
          tap.push(bytes);
          return [{ chunk: { text: textDecoder.decode(bytes, { stream: true }) } }];
        },
        end: () => {
          const summary = tap.end();
          const rest = textDecoder.decode();
          if (summary.error) throw new ForwardedStreamError(summary.error);
          if (!summary.complete) {
            throw new ProviderError('connection', 'Anthropic stream ended before message_stop');
          }
          return [{ chunk: { text: rest, usage: summary.usage } }];
        },
      };
    },
  };
}

function translated(adapter: ProviderAdapter): MessagesOperation {
  const chat = adapter.chat;
  return {
    buildRequest: (request, ctx) =>
      chat.buildRequest(anthropicToOpenAiRequest(request), { ...ctx }),
    parseResponse: (body, ctx) => {
      const completion = chat.parseResponse(body, ctx);
      const message = openAiToAnthropicResponse(completion, ctx.deployment.modelName);
      return { body: JSON.stringify(message), usage: completion.usage };
    },
    createStreamDecoder: chat.createStreamDecoder
      ? (ctx) => {
          const inner = chat.createStreamDecoder!(ctx);
          const encoder = new AnthropicStreamEncoder({ model: ctx.deployment.modelName });
          let usage: Usage | undefined;
          const encode = (events: ReturnType<typeof inner.push>) =>
            events.map((event) => {
              if (event.chunk.usage) usage = event.chunk.usage;
              return { chunk: { text: encoder.push(event.chunk) } };
            });
          return {
            push: (bytes) => encode(inner.push(bytes)),
            end: () => [...encode(inner.end()), { chunk: { text: encoder.end(usage), usage } }],
          };
        }
      : undefined,
  };
}

/** An Anthropic `event: error` frame for a failure after the stream has started. */
export function anthropicErrorFrame(message: string, type: string): string {
  return new AnthropicStreamEncoder({ model: '' }).error(message, type);
}

/** The upstream's own error event was forwarded to the client already: nothing more to send. */
export class ForwardedStreamError extends ProviderError {
  constructor(inner: ProviderError) {
    super(inner.kind, inner.message, inner.details);
  }
}
