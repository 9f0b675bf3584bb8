/**
 * The parts of Bedrock's Converse, ConverseStream and InvokeModel (embeddings) answers the adapter
 * relies on, as schemas that are also the types. Unknown fields (AWS pads stream events with a
 * random `p`) pass through untouched.
 */
import { z } from 'zod';

export const ConverseUsageSchema = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number().optional(),
  cacheReadInputTokens: z.number().optional(),
  cacheWriteInputTokens: z.number().optional(),
});
export type ConverseUsage = z.infer<typeof ConverseUsageSchema>;

const ToolUseBlockSchema = z.looseObject({
  toolUseId: z.string(),
  name: z.string(),
  input: z.unknown().optional(),
});

export const ConverseContentBlockSchema = z.looseObject({
  text: z.string().optional(),
  toolUse: ToolUseBlockSchema.optional(),
  reasoningContent: z
    .looseObject({ reasoningText: z.looseObject({ text: z.string().optional() }).optional() })
    .optional(),
});
export type ConverseContentBlock = z.infer<typeof ConverseContentBlockSchema>;

export const ConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({
      role: z.string().optional(),
      content: z.array(ConverseContentBlockSchema),
    }),
  }),
  stopReason: z.string(),
  usage: ConverseUsageSchema.optional(),
});
export type ConverseResponse = z.infer<typeof ConverseResponseSchema>;

/** ConverseStream event payloads, keyed by the frame's `:event-type` header. */
export const StreamEventSchemas = {
  messageStart: z.looseObject({ role: z.string().optional() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number().int(),
    start: z
      .looseObject({ toolUse: ToolUseBlockSchema.omit({ input: true }).optional() })
      .optional(),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number().int(),
    delta: z.looseObject({
      text: z.string().optional(),
      toolUse: z.looseObject({ input: z.string() }).optional(),
      reasoningContent: z.looseObject({ text: z.string().optional() }).optional(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number().int().optional() }),
  messageStop: z.looseObject({ stopReason: z.string() }),
  metadata: z.looseObject({ usage: ConverseUsageSchema.optional() }),
} as const;

export const TitanEmbeddingSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().optional(),
});

export const CohereEmbeddingSchema = z.looseObject({
  // `embedding_types` requests answer with an object of lists; floats are what OpenAI returns.
  embeddings: z.union([
    z.array(z.array(z.number())),
    z.looseObject({ float: z.array(z.array(z.number())) }),
  ]),
});
