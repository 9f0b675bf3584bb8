/**
 * The OpenAI Responses API wire format (`POST /v1/responses`): what the gateway accepts, and the
 * response object and stream events it answers with. Like the chat contracts, the request schema
 * checks only the fields the gateway reads and lets the rest through to the translator, which
 * decides what it can honour.
 */
import { z } from 'zod';
import type { Usage } from './openai.js';

/** An input item: a message (`role` + `content`), a function call, a function call's output, … */
export const ResponsesInputItemSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
});

export const ResponsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(ResponsesInputItemSchema)]),
  instructions: z.string().nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().nullable().optional(),
  top_p: z.number().nullable().optional(),
  tools: z
    .array(z.looseObject({ type: z.string() }))
    .nullable()
    .optional(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z
    .looseObject({ format: z.looseObject({ type: z.string() }).nullable().optional() })
    .nullable()
    .optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional() }).nullable().optional(),
  previous_response_id: z.string().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  user: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  mock_response: z.unknown().optional(),
});

export type ResponsesRequest = z.infer<typeof ResponsesRequestSchema>;
export type ResponsesInputItem = z.infer<typeof ResponsesInputItemSchema>;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface OutputRefusal {
  type: 'refusal';
  refusal: string;
}

export interface MessageItem {
  type: 'message';
  id: string;
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: (OutputText | OutputRefusal)[];
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: 'in_progress' | 'completed' | 'incomplete';
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  content?: { type: 'reasoning_text'; text: string }[];
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The `response` object, as `POST /v1/responses` returns it and stream events carry it. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  reasoning: { effort: string | null; summary: null };
  store: false;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'disabled';
  usage: ResponsesUsage | null;
  user: string | null;
  metadata: Record<string, unknown>;
}

/** A complete `/v1/responses` answer: the `response` JSON text to send, and the usage to book. */
export interface ResponsesResult {
  body: string;
  usage?: Usage;
  /** The provider's id of a response it stored (pass-through only). */
  responseId?: string;
}

/** A piece of a `/v1/responses` SSE stream, as it goes to the client. */
export interface ResponsesChunk {
  text: string;
  /** Set once the stream's usage is known. */
  usage?: Usage;
  /** What the model produced in this piece (text, call arguments): counted if no usage comes. */
  produced?: string;
  /** The provider's id of the response, once its stream has named it (pass-through only). */
  responseId?: string;
}

/** The Responses API's usage in the gateway's chat shape, for pricing and booking. */
export function chatUsageOf(usage: unknown): Usage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const inputDetails = (u.input_tokens_details ?? {}) as Record<string, unknown>;
  const outputDetails = (u.output_tokens_details ?? {}) as Record<string, unknown>;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: typeof u.total_tokens === 'number' ? u.total_tokens : input + output,
    prompt_tokens_details: { cached_tokens: count(inputDetails.cached_tokens) },
    completion_tokens_details: { reasoning_tokens: count(outputDetails.reasoning_tokens) },
  };
}
