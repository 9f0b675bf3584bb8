/**
 * The bodies and queries of the /team/* routes (LiteLLM's NewTeamRequest, UpdateTeamRequest,
 * TeamMemberAddRequest, ...). Settings a team shares with keys are validated as the key API does.
 */
import { z } from 'zod';
import { KeyFieldsSchema } from './key-schemas.js';
import { modelLimits } from './metadata-fields.js';

const shared = KeyFieldsSchema.shape;
const text = z.string().nullable().optional();
const teamRole = z.enum(['admin', 'user']);

/** A member named by id or email (LiteLLM's `Member`). */
export const MemberSchema = z
  .object({
    role: teamRole.nullable().optional(),
    user_id: z.string().min(1).nullable().optional(),
    user_email: z.string().min(1).nullable().optional(),
  })
  .refine((m) => Boolean(m.user_id) || Boolean(m.user_email), {
    message: 'Either user_id or user_email must be provided',
  });
export type MemberInput = z.infer<typeof MemberSchema>;

/** What a team holds: shared by /team/new and /team/update. */
const TeamFieldsSchema = z.object({
  team_alias: text,
  organization_id: text,
  metadata: shared.metadata,
  models: shared.models,
  model_aliases: shared.aliases,
  max_budget: shared.max_budget,
  soft_budget: shared.soft_budget,
  budget_duration: shared.budget_duration,
  tpm_limit: shared.tpm_limit,
  rpm_limit: shared.rpm_limit,
  max_parallel_requests: shared.max_parallel_requests,
  blocked: z.boolean().nullable().optional(),
  /** Per model, for all the team's keys together; kept in `metadata`, as LiteLLM keeps them. */
  model_rpm_limit: modelLimits,
  model_tpm_limit: modelLimits,
  /** Defaults for each member (a membership's own values win) and for the keys they make. */
  team_member_budget: shared.max_budget,
  team_member_budget_duration: text,
  team_member_rpm_limit: shared.rpm_limit,
  team_member_tpm_limit: shared.tpm_limit,
  team_member_key_duration: text,
  /** Guardrails every call of the team runs, and the switch of the `default_on` ones (metadata). */
  guardrails: z.array(z.string()).nullable().optional(),
  disable_global_guardrails: z.boolean().nullable().optional(),
});
export type TeamFields = z.infer<typeof TeamFieldsSchema>;

export const NewTeamSchema = TeamFieldsSchema.extend({
  team_id: z.string().min(1).nullable().optional(),
  members_with_roles: z.array(MemberSchema).nullable().optional(),
  /** Legacy lists of user ids. */
  admins: z.array(z.string().min(1)).nullable().optional(),
  members: z.array(z.string().min(1)).nullable().optional(),
});
export type NewTeamInput = z.infer<typeof NewTeamSchema>;

/** `team_id` is checked by the service, for LiteLLM's 400 "No team id passed in". */
export const UpdateTeamSchema = TeamFieldsSchema.extend({ team_id: z.string().optional() });
export type UpdateTeamInput = z.infer<typeof UpdateTeamSchema>;

/** `POST /team/model/add` and `/team/model/delete`. */
export const TeamModelsSchema = z.object({
  team_id: z.string().min(1),
  models: z.array(z.string().min(1).max(256)).min(1).max(500),
});
export type TeamModelsInput = z.infer<typeof TeamModelsSchema>;

export const DeleteTeamsSchema = z.object({ team_ids: z.array(z.string().min(1)).min(1) });
export type DeleteTeamsInput = z.infer<typeof DeleteTeamsSchema>;

export const TeamRefSchema = z.object({ team_id: z.string().min(1) });

export const TeamInfoQuerySchema = z.object({ team_id: z.string().optional() });

export const TeamListQuerySchema = z.object({
  user_id: z.string().min(1).optional(),
  organization_id: z.string().min(1).optional(),
});
export type TeamListQuery = z.infer<typeof TeamListQuerySchema>;

/** `/v2/team/list` (LiteLLM's paginated team list): pages and filters. */
export const TeamPageQuerySchema = z.object({
  user_id: z.string().min(1).optional(),
  organization_id: z.string().min(1).optional(),
  team_id: z.string().min(1).optional(),
  /** Part of the alias, any case. */
  team_alias: z.string().min(1).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(10),
});
export type TeamPageQuery = z.infer<typeof TeamPageQuerySchema>;

export const MemberAddSchema = z.object({
  team_id: z.string().min(1),
  member: z.union([MemberSchema, z.array(MemberSchema).min(1)]),
  max_budget_in_team: z.number().nonnegative().nullable().optional(),
});
export type MemberAddInput = z.infer<typeof MemberAddSchema>;

/** The most members one `/team/bulk_member_add` adds (LiteLLM's limit). */
export const BULK_MEMBERS_MAX = 500;
const BULK_MEMBERS_MESSAGE = `Maximum ${BULK_MEMBERS_MAX} members can be added at once`;

export const BulkMemberAddSchema = z
  .object({
    team_id: z.string().min(1),
    members: z.array(MemberSchema).max(BULK_MEMBERS_MAX, BULK_MEMBERS_MESSAGE).optional(),
    /** Every user of the gateway joins (proxy admins only). */
    all_users: z.boolean().optional(),
    max_budget_in_team: z.number().nonnegative().nullable().optional(),
  })
  .refine((v) => v.all_users === true || (v.members?.length ?? 0) > 0, {
    message: 'At least one member is required',
    path: ['members'],
  });
export type BulkMemberAddInput = z.infer<typeof BulkMemberAddSchema>;

const memberRef = {
  team_id: z.string().min(1),
  user_id: z.string().min(1).nullable().optional(),
  user_email: z.string().min(1).nullable().optional(),
};
const namesMember = (m: { user_id?: string | null; user_email?: string | null }) =>
  Boolean(m.user_id) || Boolean(m.user_email);
const memberRefRule = { message: 'Either user_id or user_email must be provided' };

export const MemberDeleteSchema = z.object(memberRef).refine(namesMember, memberRefRule);
export type MemberDeleteInput = z.infer<typeof MemberDeleteSchema>;

export const MemberUpdateSchema = z
  .object({
    ...memberRef,
    role: teamRole.nullable().optional(),
    max_budget_in_team: z.number().nonnegative().nullable().optional(),
    /** How often the member's budget resets; null: as the team's `team_member_budget_duration`. */
    budget_duration: text,
    tpm_limit: shared.tpm_limit,
    rpm_limit: shared.rpm_limit,
  })
  .refine(namesMember, memberRefRule);
export type MemberUpdateInput = z.infer<typeof MemberUpdateSchema>;
