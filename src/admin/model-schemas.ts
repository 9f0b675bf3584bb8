/**
 * The bodies of the /model/* routes (LiteLLM's Deployment and updateDeployment). A new model is
 * a `model_list` entry and is validated as one; an update names only what changes.
 */
import { z } from 'zod';
import { ModelEntrySchema } from '../config/schema.js';

export const NewModelSchema = ModelEntrySchema;
export type NewModelInput = z.infer<typeof NewModelSchema>;

const modelId = z.union([z.string().min(1), z.number()]).transform(String);

/** PATCH /model/{id}/update: the id is in the path. */
export const PatchModelSchema = z.looseObject({
  model_name: z.string().min(1).nullable().optional(),
  /** Merged into the stored params; a `null` value removes that param. */
  litellm_params: z.record(z.string(), z.unknown()).nullable().optional(),
  model_info: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type PatchModelInput = z.infer<typeof PatchModelSchema>;

/** POST /model/update: the id is `model_info.id`. */
export const UpdateModelSchema = PatchModelSchema.extend({
  model_info: z.looseObject({ id: modelId }),
});

export const DeleteModelSchema = z.object({ id: modelId });
