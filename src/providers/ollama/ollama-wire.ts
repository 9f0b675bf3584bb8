/**
 * The parts of Ollama's /api/chat, /api/generate and /api/embed answers the adapter relies on, as
 * schemas that are also the types. One streamed line has the same shape as a whole answer, so the
 * stream reuses these. Unknown fields pass through untouched.
 */
import { z } from 'zod';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { ProviderError } from '../types.js';

export const OllamaToolCallSchema = z.looseObject({
  function: z.looseObject({
    name: z.string(),
    /** An object in every current Ollama; a string is accepted from older or proxied servers. */
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  }),
});
export type OllamaToolCall = z.infer<typeof OllamaToolCallSchema>;

export const OllamaMessageSchema = z.looseObject({
  role: z.string().optional(),
  content: z.string().optional(),
  thinking: z.string().optional(),
  tool_calls: z.array(OllamaToolCallSchema).optional(),
});

/** One answer of /api/chat or /api/generate, or one line of their streams. */
export const OllamaAnswerSchema = z.looseObject({
  model: z.string().optional(),
  created_at: z.string().optional(),
  /** /api/chat */
  message: OllamaMessageSchema.optional(),
  /** /api/generate */
  response: z.string().optional(),
  thinking: z.string().optional(),
  done: z.boolean().optional(),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  /** Set instead of everything else when a stream fails after it started. */
  error: z.string().optional(),
});
export type OllamaAnswer = z.infer<typeof OllamaAnswerSchema>;

export const OllamaEmbedResponseSchema = z.looseObject({
  model: z.string().optional(),
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().optional(),
});

export const OLLAMA_DISPLAY_NAME = 'Ollama';

/** Validates an Ollama value; a shape the adapter cannot read is a bad_response, not a crash. */
export function readOllama<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ProviderError(
      'bad_response',
      `${OLLAMA_DISPLAY_NAME} returned an unexpected ${what}`,
      {
        status: 502,
      },
    );
  }
  return parsed.data;
}

export function parseOllamaBody<T>(schema: z.ZodType<T>, body: string, what: string): T {
  return readOllama(schema, parseUpstreamJson(body, OLLAMA_DISPLAY_NAME), what);
}
