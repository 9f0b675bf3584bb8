/**
 * The bodies and queries of the /organization/* routes (LiteLLM's NewOrganizationRequest,
 * LiteLLM_OrganizationTableUpdate, OrganizationMemberAddRequest, ...). Budget settings are
 * validated as the budget API does.
 */
import { z } from 'zod';
import { BudgetFieldsSchema } from './budget-schemas.js';
import { KeyFieldsSchema } from './key-schemas.js';

const shared = KeyFieldsSchema.shape;

/** The organization's budget, kept in a `budgets` row when no `budget_id` is given. */
const OrganizationBudgetSchema = BudgetFieldsSchema;
export type OrganizationBudgetInput = z.infer<typeof OrganizationBudgetSchema>;

/** A name people read: long enough for any, short enough to list. */
const alias = z.string().min(1).max(256);

export const NewOrganizationSchema = OrganizationBudgetSchema.extend({
  organization_alias: alias,
  organization_id: z.string().min(1).nullable().optional(),
  models: shared.models,
  metadata: shared.metadata,
  budget_id: z.string().min(1).nullable().optional(),
});
export type NewOrganizationInput = z.infer<typeof NewOrganizationSchema>;

export const UpdateOrganizationSchema = OrganizationBudgetSchema.extend({
  organization_id: z.string().min(1),
  organization_alias: alias.nullable().optional(),
  models: shared.models,
  metadata: shared.metadata,
  budget_id: z.string().min(1).nullable().optional(),
});
export type UpdateOrganizationInput = z.infer<typeof UpdateOrganizationSchema>;

export const DeleteOrganizationsSchema = z.object({
  organization_ids: z.array(z.string().min(1)).min(1),
});

export const OrganizationInfoQuerySchema = z.object({ organization_id: z.string().min(1) });

/** The older POST /organization/info: the list is checked by the service (LiteLLM's 400). */
export const OrganizationInfoBodySchema = z.object({ organizations: z.array(z.string().min(1)) });

export const OrganizationListQuerySchema = z.object({});

const organizationRole = z.enum(['org_admin', 'internal_user', 'internal_user_viewer']);

/** A member named by id or email (LiteLLM's `OrgMember`). */
const OrgMemberSchema = z
  .object({
    role: organizationRole,
    user_id: z.string().min(1).nullable().optional(),
    user_email: z.string().min(1).nullable().optional(),
  })
  .refine((m) => Boolean(m.user_id) || Boolean(m.user_email), {
    message: 'Either user_id or user_email must be provided',
  });

const budgetInOrganization = z.number().min(0).nullable().optional();

export const OrganizationMemberAddSchema = z.object({
  organization_id: z.string().min(1),
  // One member or a list: read as a list, so a problem names the member and its field.
  member: z.preprocess(
    (value) => (Array.isArray(value) ? value : [value]),
    z.array(OrgMemberSchema).min(1),
  ),
  max_budget_in_organization: budgetInOrganization,
});
export type OrganizationMemberAddInput = z.infer<typeof OrganizationMemberAddSchema>;

/** One member, by id or email. */
const MemberRefSchema = z.object({
  organization_id: z.string().min(1),
  user_id: z.string().min(1).nullable().optional(),
  user_email: z.string().min(1).nullable().optional(),
});

export const OrganizationMemberUpdateSchema = MemberRefSchema.extend({
  role: organizationRole.nullable().optional(),
  max_budget_in_organization: budgetInOrganization,
}).refine((m) => Boolean(m.user_id) || Boolean(m.user_email), {
  message: 'Either user_id or user_email must be provided',
});
export type OrganizationMemberUpdateInput = z.infer<typeof OrganizationMemberUpdateSchema>;

export const OrganizationMemberDeleteSchema = MemberRefSchema.refine(
  (m) => Boolean(m.user_id) || Boolean(m.user_email),
  { message: 'Either user_id or user_email must be provided' },
);
export type OrganizationMemberDeleteInput = z.infer<typeof OrganizationMemberDeleteSchema>;
