/**
 * `model_rpm_limit` / `model_tpm_limit` of keys and teams, and a key's `enforced_params`: LiteLLM
 * takes them as fields of `/key/generate`, `/key/update` (and the rate limits of `/team/new` and
 * `/team/update`) and keeps them in the row's `metadata`, where the request path reads them (and
 * where they may also be written directly).
 */
import { z } from 'zod';

/** `{"gpt-4o": 100}`: a whole number of requests (or tokens) a minute per model. */
export const modelLimits = z
  .record(z.string(), z.number().int().nonnegative())
  .nullable()
  .optional();

export interface ModelLimitFields {
  metadata?: Record<string, unknown> | null;
  model_rpm_limit?: Record<string, number> | null;
  model_tpm_limit?: Record<string, number> | null;
  enforced_params?: string[] | null;
}

const METADATA_FIELDS = ['model_rpm_limit', 'model_tpm_limit', 'enforced_params'] as const;

/**
 * The metadata a write leaves when it names `model_rpm_limit`, `model_tpm_limit` or
 * `enforced_params` (`null` removes one), over the metadata it sends or else the stored one;
 * `undefined` when it names none, so the metadata is written only as the request gives it.
 */
export function metadataWithModelLimits(
  input: ModelLimitFields,
  stored: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> | undefined {
  if (METADATA_FIELDS.every((field) => input[field] === undefined)) return undefined;
  const metadata: Record<string, unknown> = { ...(input.metadata ?? stored) };
  for (const field of METADATA_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) delete metadata[field];
    else metadata[field] = value;
  }
  return metadata;
}
