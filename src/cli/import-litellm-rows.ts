/**
 * The rows of a LiteLLM database that `tollgate import-litellm` reads, as zod schemas over what
 * `pg` returns for Prisma's column types: String → string, Float → number, BigInt → string,
 * String[] → array, Json → parsed value, DateTime → Date. A column older LiteLLM versions lack
 * comes back missing and reads as its default; times become ISO-8601 UTC text, as Tollgate keeps
 * them.
 */
import { z } from 'zod';

const text = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const list = z
  .array(z.string().nullable())
  .nullish()
  .transform((v) => (v ?? []).filter((s): s is string => s !== null));
/** Any JSON value; the mapping decides what shape it needs. */
const json = z.unknown().optional();
const money = z
  .number()
  .nullish()
  .transform((v) => v ?? null);
const spend = z
  .number()
  .nullish()
  .transform((v) => v ?? 0);
/** Int and BigInt columns (`pg` returns BigInt as a string). */
const integer = z
  .union([z.number(), z.string(), z.bigint()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : Number(v)));
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);
const time = z
  .union([z.date(), z.string()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const at = v instanceof Date ? v.getTime() : Date.parse(v);
    return Number.isFinite(at) ? new Date(at).toISOString() : null;
  });

/** Budget, duration and limit columns that keys, users, teams and the budget table share. */
const limits = {
  max_budget: money,
  budget_duration: text,
  budget_reset_at: time,
  tpm_limit: integer,
  rpm_limit: integer,
  max_parallel_requests: integer,
};

export const budgetRow = z.object({
  budget_id: z.string(),
  ...limits,
  soft_budget: money,
  model_max_budget: json,
  created_at: time,
  created_by: text,
  updated_at: time,
  updated_by: text,
});

export const userRow = z.object({
  user_id: z.string(),
  user_alias: text,
  user_email: text,
  user_role: text,
  sso_user_id: text,
  teams: list,
  models: list,
  metadata: json,
  spend,
  ...limits,
  created_at: time,
  updated_at: time,
});

export const teamRow = z.object({
  team_id: z.string(),
  team_alias: text,
  organization_id: text,
  admins: list,
  members: list,
  members_with_roles: json,
  metadata: json,
  models: list,
  spend,
  ...limits,
  soft_budget: money,
  blocked: flag,
  model_id: integer,
  created_at: time,
  updated_at: time,
});

export const membershipRow = z.object({
  user_id: z.string(),
  team_id: z.string(),
  spend,
  budget_id: text,
});

export const organizationRow = z.object({
  organization_id: z.string(),
  organization_alias: text,
  budget_id: text,
  metadata: json,
  models: list,
  spend,
  created_at: time,
  created_by: text,
  updated_at: time,
  updated_by: text,
});

export const organizationMembershipRow = z.object({
  user_id: z.string(),
  organization_id: z.string(),
  user_role: text,
  spend,
  budget_id: text,
  created_at: time,
  updated_at: time,
});

/** LiteLLM's `model_info` is left out: Tollgate derives it from `models` when a tag is shown. */
export const tagRow = z.object({
  tag_name: z.string(),
  description: text,
  models: list,
  spend,
  budget_id: text,
  created_at: time,
  created_by: text,
  updated_at: time,
});

export const keyRow = z.object({
  token: z.string(),
  key_name: text,
  key_alias: text,
  spend,
  expires: time,
  models: list,
  aliases: json,
  config: json,
  user_id: text,
  team_id: text,
  permissions: json,
  metadata: json,
  blocked: flag,
  ...limits,
  allowed_routes: list,
  model_max_budget: json,
  budget_id: text,
  organization_id: text,
  created_at: time,
  created_by: text,
  updated_at: time,
  updated_by: text,
});

export const endUserRow = z.object({
  user_id: z.string(),
  alias: text,
  spend,
  allowed_model_region: text,
  default_model: text,
  budget_id: text,
  blocked: flag,
});

export const modelAliasesRow = z.object({
  id: z.number(),
  aliases: json,
});

export const spendLogRow = z.object({
  request_id: z.string(),
  call_type: text,
  api_key: text,
  spend,
  total_tokens: integer,
  prompt_tokens: integer,
  completion_tokens: integer,
  startTime: time,
  endTime: time,
  request_duration_ms: integer,
  model: text,
  model_id: text,
  model_group: text,
  custom_llm_provider: text,
  api_base: text,
  user: text,
  metadata: json,
  cache_hit: text,
  cache_key: text,
  request_tags: json,
  team_id: text,
  end_user: text,
  status: text,
});

export type BudgetRow = z.infer<typeof budgetRow>;
export type UserRow = z.infer<typeof userRow>;
export type TeamRow = z.infer<typeof teamRow>;
export type MembershipRow = z.infer<typeof membershipRow>;
export type OrganizationRow = z.infer<typeof organizationRow>;
export type OrganizationMembershipRow = z.infer<typeof organizationMembershipRow>;
export type TagRow = z.infer<typeof tagRow>;
export type KeyRow = z.infer<typeof keyRow>;
export type EndUserRow = z.infer<typeof endUserRow>;
export type SpendLogRow = z.infer<typeof spendLogRow>;
