/**
 * The bodies and queries of the /key/* routes (LiteLLM's GenerateKeyRequest, UpdateKeyRequest,
 * ...). Unknown fields are dropped, as pydantic does; a present `null` means "clear" on update.
 */
import { z } from 'zod';
import { KEY_SORT_COLUMNS } from '../store/key-repository.js';
import { modelLimits } from './metadata-fields.js';

const text = z.string().nullable().optional();
const stringList = z.array(z.string()).nullable().optional();
const object = z.record(z.string(), z.unknown()).nullable().optional();
/** LiteLLM turns `""` into None for budgets. */
const money = z
  .union([z.number(), z.literal('')], { error: 'Input should be a valid number' })
  .nullable()
  .optional()
  .transform((v) => (v === '' ? null : v));
const limit = z.number().int().nonnegative().nullable().optional();
/** Stored in a 32-bit integer column (as in LiteLLM's schema): a larger value is refused here. */
const parallelLimit = z.number().int().nonnegative().max(2_147_483_647).nullable().optional();

export const KEY_TYPES = ['default', 'llm_api', 'management', 'read_only'] as const;

export const KeyFieldsSchema = z.object({
  key_alias: text,
  duration: text,
  models: stringList,
  aliases: z.record(z.string(), z.string()).nullable().optional(),
  config: object,
  spend: z.number().nullable().optional(),
  max_budget: money,
  soft_budget: money,
  budget_duration: text,
  user_id: text,
  team_id: text,
  max_parallel_requests: parallelLimit,
  tpm_limit: limit,
  rpm_limit: limit,
  metadata: object,
  tags: stringList,
  blocked: z.boolean().nullable().optional(),
  permissions: object,
  key_type: z.enum(KEY_TYPES).nullable().optional(),
  allowed_routes: stringList,
  model_max_budget: object,
  /** A shared budget (`/budget/new`) whose limits the key takes where it sets none. */
  budget_id: text,
  /** The organization of a key outside any team (`/organization/new`). */
  organization_id: text,
  /** Kept in `metadata`, as LiteLLM keeps them. */
  model_rpm_limit: modelLimits,
  model_tpm_limit: modelLimits,
  /** Request fields every call with the key must carry; kept in `metadata` too. */
  enforced_params: stringList,
  /** Guardrails every call with the key runs, and the switch of the `default_on` ones (metadata). */
  guardrails: stringList,
  disable_global_guardrails: z.boolean().nullable().optional(),
});
export type KeyFields = z.infer<typeof KeyFieldsSchema>;

export const GenerateKeySchema = KeyFieldsSchema.extend({ key: text });
export type GenerateKeyInput = z.infer<typeof GenerateKeySchema>;

export const UpdateKeySchema = KeyFieldsSchema.extend({
  key: z.string().min(1),
  /** Added to `max_budget` until `temp_budget_expiry` (an instant, or a duration from now). */
  temp_budget_increase: money,
  temp_budget_expiry: text,
});
export type UpdateKeyInput = z.infer<typeof UpdateKeySchema>;

export const RegenerateKeySchema = KeyFieldsSchema.extend({
  key: z.string().min(1).optional(),
  new_key: z.string().optional(),
  grace_period: text,
});
export type RegenerateKeyInput = z.infer<typeof RegenerateKeySchema>;

export const DeleteKeysSchema = z
  .object({ keys: stringList, key_aliases: stringList })
  .refine((v) => (v.keys?.length ?? 0) > 0 || (v.key_aliases?.length ?? 0) > 0, {
    message: "At least one of 'keys' or 'key_aliases' must be provided.",
  });
export type DeleteKeysInput = z.infer<typeof DeleteKeysSchema>;

export const KeyRefSchema = z.object({ key: z.string().min(1) });

export const KeyInfoQuerySchema = z.object({ key: z.string().min(1).optional() });

const flag = z
  .enum(['true', 'false', 'True', 'False'])
  .optional()
  .transform((v) => v?.toLowerCase() === 'true');

export const KeyListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(10),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
  /** The keys of one organization (each key's own `organization_id`). */
  organization_id: z.string().optional(),
  key_alias: z.string().optional(),
  key_hash: z.string().optional(),
  return_full_object: flag,
  /** Non-admins: also the keys of the teams they administer. */
  include_team_keys: flag,
  /** Non-admins: also the keys they made for others. */
  include_created_by_keys: flag,
  sort_by: z.enum(KEY_SORT_COLUMNS).optional(),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});
export type KeyListQuery = z.infer<typeof KeyListQuerySchema>;

/** `POST /v2/key/info`: several keys at once, raw or hashed. */
export const KeyInfoManySchema = z.object({ keys: z.array(z.string().min(1)).min(1).max(100) });

/** `POST /key/{key}/reset_spend`: the spend the key starts again from. */
export const ResetSpendSchema = z.object({ reset_to: z.number().nonnegative().finite() });

/** `POST /key/bulk_update`: up to 500 /key/update requests in one call. */
export const BulkUpdateKeysSchema = z.object({ keys: z.array(UpdateKeySchema).min(1).max(500) });
export type BulkUpdateKeysInput = z.infer<typeof BulkUpdateKeysSchema>;

/** `GET /key/aliases`: the aliases of the keys the caller sees, a page at a time. */
export const KeyAliasesQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(50),
  /** Part of the alias, any case. */
  search: z.string().min(1).optional(),
  team_id: z.string().min(1).optional(),
});
export type KeyAliasesQuery = z.infer<typeof KeyAliasesQuerySchema>;

/** `/key/health` takes nothing; anything sent is ignored. */
export const KeyHealthSchema = z.object({}).nullish();
