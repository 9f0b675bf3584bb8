/**
 * The one interface every provider adapter implements. Adapters are pure translators between the
 * OpenAI wire format (the gateway's canonical shape) and one provider's wire format: they build
 * upstream requests and decode upstream bodies, and never do I/O themselves.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  ImageEditRequest,
  ImageGenerationRequest,
  ImageGenerationResponse,
  ModerationRequest,
  ModerationResponse,
  RerankRequest,
  RerankResponse,
  SpeechRequest,
  TranscriptionRequest,
  TranscriptionResponse,
  TextCompletion,
} from '../contracts/openai.js';
import type { Deployment } from '../contracts/deployment.js';
import type { ResponsesChunk, ResponsesRequest, ResponsesResult } from '../contracts/responses.js';

export interface UpstreamRequest {
  url: string;
  method?: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** A binary body (a multipart form with an audio file), sent instead of `body`. */
  bytes?: Uint8Array;
}

export interface CallContext {
  deployment: Deployment;
  stream: boolean;
  /** The gateway's request id, for providers that want one. */
  requestId: string;
  /** Drop parameters the provider does not support instead of failing (`drop_params`). */
  dropParams: boolean;
}

/** One translated streaming event. `raw` is the exact OpenAI JSON when nothing was changed. */
export interface StreamEvent<T = ChatCompletionChunk> {
  chunk: T;
  raw?: string;
  /**
   * True when the decoder knows the chunk reports no usage, so a route forwarding `raw` need not
   * parse it to look; anything else (false or absent) means it may.
   */
  readonly reportsNoUsage?: boolean;
  /**
   * Set on what only `StreamDecoder.pushWire` returns: whole events exactly as the upstream sent
   * them, in OpenAI's SSE format (`data: {...}` and a blank line each), none of them reporting
   * usage, an error or the end of the stream. The route writes these bytes as they are; such an
   * event has no single `chunk`.
   */
  readonly wire?: Uint8Array;
}

/** Incremental decoder of one upstream stream. */
export interface StreamDecoder<T = ChatCompletionChunk> {
  push(bytes: Uint8Array): StreamEvent<T>[];
  /** Called when the upstream body ended; throws a ProviderError if the stream was cut short. */
  end(): StreamEvent<T>[];
  /**
   * `push` for a route that forwards OpenAI SSE as it came: the same events, except that runs of
   * ordinary ones may come back as one `wire` event holding their bytes. Only decoders whose
   * input is already that format have it; a decoder that wraps another to change its events
   * does not pass it on, so what it changes is never bypassed.
   */
  pushWire?(bytes: Uint8Array): StreamEvent<T>[];
}

export type ErrorKind =
  | 'bad_request'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'rate_limit'
  | 'quota'
  | 'timeout'
  | 'context_window'
  | 'content_policy'
  | 'server'
  | 'connection'
  | 'bad_response';

/** An upstream failure, classified so the router can decide: retry, cool down, fall back. */
export class ProviderError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: {
      status?: number;
      /** The provider's own `error.type`, kept for the client. */
      type?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
  }
}

export interface Operation<Req, Res, Chunk> {
  buildRequest(request: Req, ctx: CallContext): UpstreamRequest | Promise<UpstreamRequest>;
  parseResponse(body: string, ctx: CallContext): Res;
  createStreamDecoder?(ctx: CallContext): StreamDecoder<Chunk>;
}

export interface ProviderAdapter {
  /** Display name used in error messages: `OpenAIException - ...`. */
  readonly displayName: string;
  readonly chat: Operation<ChatRequest, ChatCompletion, ChatCompletionChunk>;
  /** Legacy completions; when absent the proxy runs them through `chat`. */
  readonly completion?: Operation<CompletionRequest, TextCompletion, TextCompletionChunk>;
  readonly embedding?: Operation<EmbeddingRequest, EmbeddingResponse, never>;
  /** `/v1/moderations`, for providers that classify content themselves (OpenAI). */
  readonly moderation?: Operation<ModerationRequest, ModerationResponse, never>;
  /** `/v1/images/generations`, for providers with an images endpoint (the OpenAI family, Azure). */
  readonly imageGeneration?: Operation<ImageGenerationRequest, ImageGenerationResponse, never>;
  /** `/v1/images/edits`: images (and a mask) sent as a form, answered as a generation is. */
  readonly imageEdit?: Operation<ImageEditRequest, ImageGenerationResponse, never>;
  /** `/v1/images/variations` (dall-e-2): one image sent as a form, answered as a generation is. */
  readonly imageVariation?: Operation<ImageEditRequest, ImageGenerationResponse, never>;
  /**
   * `/v1/audio/speech`, for providers with a speech endpoint (OpenAI, Azure): always opened as a
   * stream whose events are the audio's bytes as they arrive.
   */
  readonly speech?: Operation<SpeechRequest, never, Uint8Array>;
  /** `/v1/audio/transcriptions`: an audio file, sent as a multipart form, to text. */
  readonly transcription?: Operation<TranscriptionRequest, TranscriptionResponse, never>;
  /** `/v1/rerank`: Cohere's rerank API, or a Cohere-compatible server's (vLLM, Together, Jina). */
  readonly rerank?: Operation<RerankRequest, RerankResponse, never>;
  /** `/v1/audio/translations`: the same form, the answer in English (OpenAI's whisper-1). */
  readonly translation?: Operation<TranscriptionRequest, TranscriptionResponse, never>;
  /** The Responses API, for providers that serve it themselves; others are bridged to chat. */
  readonly responses?: ResponsesApi;
  /** Classifies a non-2xx upstream answer. */
  parseError(status: number, body: string, headers: Record<string, string>): ProviderError;
}

/** A provider's own Responses API: creating responses, and the stored ones by id. */
export interface ResponsesApi extends Operation<ResponsesRequest, ResponsesResult, ResponsesChunk> {
  /** A request for `{responses}/{id}[/cancel|/input_items]` of the deployment, query included. */
  resource(
    d: Deployment,
    path: string,
    method: 'GET' | 'POST' | 'DELETE',
    query?: URLSearchParams,
  ): Promise<UpstreamRequest>;
}

export interface TextCompletionChunk {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { index: number; text: string; finish_reason: string | null; logprobs: unknown }[];
  usage?: ChatCompletion['usage'] | null;
}
