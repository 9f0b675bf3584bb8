/** Bodies and query strings of /invitation/* and /onboarding/* (LiteLLM's field names). */
import { z } from 'zod';

const id = z.string().min(1).max(256);

export const NewInvitationSchema = z.object({ user_id: id });
export const InvitationIdQuerySchema = z.object({ invitation_id: id });
export const UpdateInvitationSchema = z.object({ invitation_id: id, is_accepted: z.boolean() });
export const DeleteInvitationSchema = z.object({ invitation_id: id });
export const InvitationListQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(25),
  user_id: id.optional(),
});
export const GetTokenQuerySchema = z.object({ invite_link: id });
export const ClaimTokenSchema = z.object({
  invitation_link: id,
  user_id: id,
  password: z.string(),
});

export type InvitationListQuery = z.infer<typeof InvitationListQuerySchema>;
export type ClaimTokenInput = z.infer<typeof ClaimTokenSchema>;
