/**
 * The Anthropic Messages wire format: what the gateway's `/v1/messages` endpoint accepts, and the
 * shapes Anthropic answers with. Like the OpenAI contracts, request schemas check only the fields
 * the gateway relies on and let every other field through untouched, so new Anthropic parameters
 * work without a gateway release.
 */
import { z } from 'zod';

const CacheControlSchema = z.looseObject({ type: z.string() });

/** Any content block; translators narrow on `type` and read the fields they need. */
export const AnthropicContentBlockSchema = z.looseObject({ type: z.string() });

export const AnthropicMessageParamSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(AnthropicContentBlockSchema)]),
});

export const AnthropicSystemSchema = z.union([
  z.string(),
  z.array(
    z.looseObject({
      type: z.literal('text'),
      text: z.string(),
      cache_control: CacheControlSchema.nullable().optional(),
    }),
  ),
]);

/** Custom tools carry `input_schema`; server tools (`web_search_…`, `bash_…`) carry a `type`. */
export const AnthropicToolSchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.looseObject({}).optional(),
  cache_control: CacheControlSchema.nullable().optional(),
});

export const AnthropicToolChoiceSchema = z.looseObject({
  type: z.enum(['auto', 'any', 'tool', 'none']),
  name: z.string().optional(),
  disable_parallel_tool_use: z.boolean().optional(),
});

export const AnthropicMessagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(AnthropicMessageParamSchema).min(1),
  system: AnthropicSystemSchema.optional(),
  stream: z.boolean().optional(),
  tools: z.array(AnthropicToolSchema).optional(),
  tool_choice: AnthropicToolChoiceSchema.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  top_k: z.number().int().optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
});

export type AnthropicContentBlockParam = z.infer<typeof AnthropicContentBlockSchema>;
export type AnthropicMessageParam = z.infer<typeof AnthropicMessageParamSchema>;
export type AnthropicTool = z.infer<typeof AnthropicToolSchema>;
export type AnthropicToolChoice = z.infer<typeof AnthropicToolChoiceSchema>;
export type AnthropicMessagesRequest = z.infer<typeof AnthropicMessagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: a Messages request without `max_tokens`. */
export const AnthropicCountTokensRequestSchema = AnthropicMessagesRequestSchema.extend({
  max_tokens: z.number().int().positive().optional(),
});
export type AnthropicCountTokensRequest = z.infer<typeof AnthropicCountTokensRequestSchema>;

// ---- Responses -------------------------------------------------------------------------------

export const AnthropicUsageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number().nullable().optional(),
  cache_read_input_tokens: z.number().nullable().optional(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsageSchema>;

export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export interface AnthropicTextBlock {
  type: 'text';
  text: string;
  [k: string]: unknown;
}

export interface AnthropicToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}

export type AnthropicResponseBlock =
  | AnthropicTextBlock
  | AnthropicToolUseBlock
  | AnthropicThinkingBlock
  | { type: string; [k: string]: unknown };

/** The success body of `POST /v1/messages`; checked before the gateway relies on it. */
export const AnthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(AnthropicContentBlockSchema),
  stop_reason: z.string().nullable(),
  stop_sequence: z.string().nullable().optional(),
  usage: AnthropicUsageSchema,
});

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicResponseBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

// ---- Streaming events ------------------------------------------------------------------------

export type AnthropicContentDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string };

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export type AnthropicStreamEvent =
  | { type: 'message_start'; message: AnthropicMessage }
  | { type: 'content_block_start'; index: number; content_block: AnthropicResponseBlock }
  | { type: 'content_block_delta'; index: number; delta: AnthropicContentDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta';
      delta: { stop_reason: AnthropicStopReason | null; stop_sequence: string | null };
      usage: Partial<AnthropicUsage> & { output_tokens: number };
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | AnthropicErrorBody;
