/**
 * The parts of Google's GenerateContentResponse and embedding responses the adapter relies on, as
 * schemas that are also the types. Unknown fields pass through untouched.
 */
import { z } from 'zod';

export const GeminiPartSchema = z.looseObject({
  text: z.string().optional(),
  /** Set on thought-summary parts of thinking models. */
  thought: z.boolean().optional(),
  functionCall: z
    .looseObject({
      id: z.string().optional(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type GeminiPart = z.infer<typeof GeminiPartSchema>;

export const GeminiCandidateSchema = z.looseObject({
  content: z
    .looseObject({ parts: z.array(GeminiPartSchema).optional(), role: z.string().optional() })
    .optional(),
  finishReason: z.string().optional(),
  index: z.number().int().optional(),
});
export type GeminiCandidate = z.infer<typeof GeminiCandidateSchema>;

export const GeminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
});
export type GeminiUsage = z.infer<typeof GeminiUsageSchema>;

export const GeminiErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional() })).optional(),
  }),
});
export type GeminiErrorBody = z.infer<typeof GeminiErrorBodySchema>;

export const GeminiResponseSchema = z.looseObject({
  candidates: z.array(GeminiCandidateSchema).optional(),
  promptFeedback: z
    .looseObject({
      blockReason: z.string().optional(),
      blockReasonMessage: z.string().optional(),
    })
    .optional(),
  usageMetadata: GeminiUsageSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});
export type GeminiResponse = z.infer<typeof GeminiResponseSchema>;

export const GeminiBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});
