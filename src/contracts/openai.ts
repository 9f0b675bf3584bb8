/**
 * The OpenAI wire format, the gateway's canonical shape: every provider adapter translates to and
 * from it. Request schemas validate only the fields the gateway relies on and let every other
 * provider parameter through untouched.
 */
import { z } from 'zod';

const ContentPart = z.looseObject({ type: z.string() });

export const ChatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({})).optional(),
  tool_call_id: z.string().optional(),
});

const StopSchema = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .optional();

export const ChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().nonnegative().nullable().optional(),
  max_completion_tokens: z.number().int().nonnegative().nullable().optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  n: z.number().int().positive().nullable().optional(),
  stop: StopSchema,
  tools: z.array(z.looseObject({})).nullable().optional(),
  tool_choice: z.unknown().optional(),
  user: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  mock_response: z.unknown().optional(),
});

export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const CompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([
    z.string(),
    z.array(z.string()),
    z.array(z.number()),
    z.array(z.array(z.number())),
  ]),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().nonnegative().nullable().optional(),
  temperature: z.number().nullable().optional(),
  stop: StopSchema,
  user: z.string().nullable().optional(),
  mock_response: z.unknown().optional(),
});
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

export const EmbeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()),
    z.array(z.number()),
    z.array(z.array(z.number())),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().nullable().optional(),
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

/** `POST /v1/moderations`: text, or text and images (omni-moderation), to classify. */
export const ModerationRequestSchema = z.looseObject({
  /** Optional, as in OpenAI's API: the gateway then uses a model with `mode: moderation`. */
  model: z.string().min(1).optional(),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z
      .array(
        z.union([
          z.looseObject({ type: z.literal('text'), text: z.string() }),
          z.looseObject({
            type: z.literal('image_url'),
            image_url: z.looseObject({ url: z.string().min(1) }),
          }),
        ]),
      )
      .min(1),
  ]),
});
export type ModerationRequest = z.infer<typeof ModerationRequestSchema>;

/** OpenAI's moderation answer: one result per input. */
export interface ModerationResponse {
  id: string;
  model: string;
  results: unknown[];
}

/**
 * `POST /v1/images/generations` (`client.images.generate`). The model is optional, as in
 * OpenAI's API: the gateway then uses a model with `mode: image_generation`. `n` is bounded as
 * OpenAI bounds it, so the worst case a call reserves is known before it starts.
 */
export const ImageGenerationRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1),
  n: z.number().int().min(1).max(10).nullish(),
  size: z.string().min(1).nullish(),
  quality: z.string().min(1).nullish(),
  response_format: z.enum(['url', 'b64_json']).nullish(),
  user: z.string().nullish(),
});
export type ImageGenerationRequest = z.infer<typeof ImageGenerationRequestSchema>;

/**
 * `POST /v1/audio/speech` (`client.audio.speech.create`): text to spoken audio. The answer is the
 * audio file's bytes, in `response_format` (mp3 by default).
 */
export const SpeechRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.string().min(1),
  voice: z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]),
  response_format: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).nullish(),
  speed: z.number().min(0.25).max(4).nullish(),
});
export type SpeechRequest = z.infer<typeof SpeechRequestSchema>;

/**
 * The fields of `POST /v1/audio/transcriptions` (`client.audio.transcriptions.create`), a
 * multipart form: every field arrives as text. The audio file travels beside them.
 */
export const TranscriptionFieldsSchema = z.looseObject({
  model: z.string().min(1),
  language: z.string().min(1).optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt']).optional(),
  temperature: z.coerce.number().min(0).max(1).optional(),
});

/** An uploaded file, as read from the client's form. */
export interface UploadedFile {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
}

/** A request sent on as a form: its fields as sent (in order, repeated ones too) and files. */
export interface FormRequest {
  model: string;
  fields: readonly (readonly [string, string])[];
  files: readonly (readonly [string, UploadedFile])[];
}

/** A transcription request: the form, with the audio in `file`. */
export interface TranscriptionRequest extends FormRequest {
  response_format?: string;
}

/** `POST /v1/images/edits` (`client.images.edit`): the form, with `image` (or `image[]`) and `mask`. */
export interface ImageEditRequest extends FormRequest {
  size?: string;
  n?: number;
}

/** The checked fields of an image variation (dall-e-2; every field arrives as text). */
export const ImageVariationFieldsSchema = z.looseObject({
  model: z.string().min(1).optional(),
  n: z.coerce.number().int().min(1).max(10).optional(),
  size: z.string().min(1).optional(),
  response_format: z.enum(['url', 'b64_json']).optional(),
});

/** The checked fields of an image edit (every field arrives as text). */
export const ImageEditFieldsSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt: z.string().min(1),
  n: z.coerce.number().int().min(1).max(10).optional(),
  size: z.string().min(1).optional(),
  response_format: z.enum(['url', 'b64_json']).optional(),
});

/** A transcription's answer as the provider sent it: JSON, or text (text, srt, vtt). */
export interface TranscriptionResponse {
  body: string;
  json?: { text?: unknown; duration?: unknown; usage?: unknown; [k: string]: unknown };
}

/**
 * `POST /v1/rerank` (Cohere's rerank API, as LiteLLM serves it): the documents ordered by their
 * relevance to the query.
 */
export const RerankRequestSchema = z.looseObject({
  model: z.string().min(1),
  query: z.string().min(1),
  documents: z
    .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
    .min(1)
    .max(10_000),
  top_n: z.number().int().min(1).nullish(),
  return_documents: z.boolean().nullish(),
});
export type RerankRequest = z.infer<typeof RerankRequestSchema>;

/** A rerank answer: Cohere's, or a Cohere-compatible server's (vLLM, Together, Jina). */
export interface RerankResponse {
  results: { index: number; relevance_score: number; document?: unknown }[];
  meta?: { billed_units?: { search_units?: number } };
  usage?: { total_tokens?: number; prompt_tokens?: number };
}

/** OpenAI's images answer; token-priced models (gpt-image-1) add their usage. */
export interface ImageGenerationResponse {
  created: number;
  data: { url?: string; b64_json?: string; revised_prompt?: string }[];
  usage?: ImageUsage;
}

/** The usage block of token-priced image models. */
export interface ImageUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { text_tokens?: number; image_tokens?: number } | null;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown } | null;
  /** Anthropic-style cache accounting, kept when a provider reports it. */
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  [k: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: AssistantMessage;
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }[];
  usage?: Usage;
  system_fingerprint?: string | null;
  [k: string]: unknown;
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: {
    index: number;
    id?: string;
    type?: 'function';
    function?: { name?: string; arguments?: string };
  }[];
  [k: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: ChunkDelta;
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }[];
  usage?: Usage | null;
  [k: string]: unknown;
}

export interface TextCompletion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { index: number; text: string; finish_reason: FinishReason | null; logprobs: unknown }[];
  usage?: Usage;
  [k: string]: unknown;
}

export interface EmbeddingResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export function emptyUsage(): Usage {
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
}
