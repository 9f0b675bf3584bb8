/**
 * The bodies and queries of the /user/* routes (LiteLLM's NewUserRequest, UpdateUserRequest,
 * ...). Settings a user shares with keys are validated exactly as the key API does; roles are the
 * four of the route × role table, legacy names (`admin`, `app_owner`, `app_user`) mapped.
 */
import { z } from 'zod';
import { toProxyRole } from '../auth/principal.js';
import { TeamJoinSchema } from '../config/schema.js';
import { USER_SORT_COLUMNS } from '../store/user-repository.js';
import { KeyFieldsSchema } from './key-schemas.js';

const shared = KeyFieldsSchema.shape;
const text = z.string().nullable().optional();

export const USER_ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
  'admin',
  'app_owner',
  'app_user',
] as const;

const role = z.enum(USER_ROLES).transform(toProxyRole).nullable().optional();
const password = z.string().min(8).max(128).nullable().optional();

/** What a user holds: shared by /user/new and /user/update. */
const UserFieldsSchema = z.object({
  user_email: text,
  user_alias: text,
  user_role: role,
  sso_user_id: text,
  password,
  models: shared.models,
  metadata: shared.metadata,
  max_budget: shared.max_budget,
  budget_duration: shared.budget_duration,
  tpm_limit: shared.tpm_limit,
  rpm_limit: shared.rpm_limit,
  max_parallel_requests: shared.max_parallel_requests,
});

/** The settings of the key `/user/new` creates (its models are the user's). */
export const NewUserKeySchema = KeyFieldsSchema.pick({
  key_alias: true,
  duration: true,
  aliases: true,
  config: true,
  permissions: true,
  tags: true,
  key_type: true,
  allowed_routes: true,
});
export type NewUserKeyFields = z.infer<typeof NewUserKeySchema>;

export const NewUserSchema = UserFieldsSchema.extend(NewUserKeySchema.shape).extend({
  user_id: z.string().min(1).nullable().optional(),
  teams: z.array(TeamJoinSchema).nullable().optional(),
  /** Organizations the user joins, as an `internal_user` member. */
  organizations: z.array(z.string().min(1).max(256)).max(100).nullable().optional(),
  auto_create_key: z.boolean().nullable().optional(),
  send_invite_email: z.boolean().nullable().optional(),
});
export type NewUserInput = z.infer<typeof NewUserSchema>;

export const UpdateUserSchema = UserFieldsSchema.extend({
  user_id: z.string().min(1).nullable().optional(),
  spend: z.number().nonnegative().nullable().optional(),
}).refine((v) => Boolean(v.user_id) || Boolean(v.user_email), {
  message: 'Either user id or user email must be provided',
});
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>;

/**
 * `POST /user/bulk_update`: up to 500 /user/update requests, or one set of changes for every
 * user (`all_users`), which cannot hold what must stay one user's own (email, password, SSO id).
 */
export const BulkUpdateUsersSchema = z
  .object({
    users: z.array(UpdateUserSchema).min(1).max(500).optional(),
    all_users: z.boolean().optional(),
    user_updates: UserFieldsSchema.omit({ user_email: true, password: true, sso_user_id: true })
      .extend({ spend: z.number().nonnegative().nullable().optional() })
      .strict()
      .optional(),
  })
  .refine((v) => (v.users !== undefined) !== (v.all_users === true), {
    message: 'Give either users (a list of /user/update bodies) or all_users: true, not both',
    path: ['users'],
  })
  .refine((v) => v.all_users !== true || v.user_updates !== undefined, {
    message: 'all_users needs user_updates: the changes to make to every user',
    path: ['user_updates'],
  });
export type BulkUpdateUsersInput = z.infer<typeof BulkUpdateUsersSchema>;

export const DeleteUsersSchema = z.object({ user_ids: z.array(z.string().min(1)).min(1) });
export type DeleteUsersInput = z.infer<typeof DeleteUsersSchema>;

export const UserInfoQuerySchema = z.object({ user_id: z.string().min(1).optional() });

export const UserListQuerySchema = z.object({
  role: z.enum(USER_ROLES).optional(),
  /** Comma-separated. */
  user_ids: z.string().optional(),
  user_email: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  /** Comma-separated: members of any of these organizations. */
  organization_ids: z.string().optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(25),
  sort_by: z.enum(USER_SORT_COLUMNS).optional(),
  sort_order: z.enum(['asc', 'desc']).optional(),
});
export type UserListQuery = z.infer<typeof UserListQuerySchema>;
