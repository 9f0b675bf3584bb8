/** An invitation as LiteLLM's InvitationModel, plus the link to share (Tollgate's addition). */
import type { InvitationRecord } from '../store/invitation-repository.js';

export function invitationLink(base: string, id: string): string {
  return `${base}/ui/onboarding?id=${encodeURIComponent(id)}`;
}

export function invitationView(
  invitation: InvitationRecord,
  base: string,
): Record<string, unknown> {
  return {
    id: invitation.id,
    user_id: invitation.user_id,
    is_accepted: invitation.is_accepted,
    accepted_at: invitation.accepted_at,
    expires_at: invitation.expires_at,
    created_at: invitation.created_at,
    created_by: invitation.created_by,
    updated_at: invitation.updated_at,
    updated_by: invitation.updated_by,
    invitation_link: invitationLink(base, invitation.id),
  };
}
