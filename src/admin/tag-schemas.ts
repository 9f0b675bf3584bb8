/**
 * The bodies and queries of the /tag/* routes (LiteLLM's TagNewRequest, TagUpdateRequest,
 * TagInfoRequest, TagDeleteRequest). Budget settings are validated as the budget API does.
 */
import { z } from 'zod';
import { BudgetFieldsSchema } from './budget-schemas.js';

/**
 * A tag's name: what calls carry in `metadata.tags` or `x-litellm-tags` (a comma-separated
 * header, so a name with a comma could never be named there).
 */
const name = z
  .string()
  .trim()
  .min(1, 'a tag name cannot be empty')
  .max(256)
  .refine((n) => !n.includes(','), 'a tag name cannot hold a comma (x-litellm-tags splits on it)');

const fields = BudgetFieldsSchema.extend({
  description: z.string().max(4096).nullable().optional(),
  /** Model names or database model ids the tag is meant for (LiteLLM's `models`). */
  models: z.array(z.string().min(1)).max(1000).nullable().optional(),
  budget_id: z.string().min(1).nullable().optional(),
});

export const NewTagSchema = fields.extend({ name });
export type NewTagInput = z.infer<typeof NewTagSchema>;

export const UpdateTagSchema = fields.extend({ name });
export type UpdateTagInput = z.infer<typeof UpdateTagSchema>;

/** At most 1,000 names a call: one query reads them all (far below every bound-parameter limit). */
export const TagInfoSchema = z.object({ names: z.array(z.string()).min(1).max(1000) });

export const DeleteTagSchema = z.object({ name: z.string().min(1) });

/** Days as LiteLLM takes them (`YYYY-MM-DD`), both or neither: checked by the service (400). */
export const TagListQuerySchema = z.object({
  start_date: z.string().optional(),
  end_date: z.string().optional(),
});
export type TagListQuery = z.infer<typeof TagListQuerySchema>;
