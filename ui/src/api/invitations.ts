/** Invitation links: the onboarding page of this UI with the invitation's id. */
import { api } from './http';
import type { Invitation } from './types';

export function invitationLink(invitation: Invitation): string {
  return (
    invitation.invitation_link ?? `${window.location.origin}/ui/onboarding?id=${invitation.id}`
  );
}

export function inviteUser(userId: string): Promise<Invitation> {
  return api.post<Invitation>('/invitation/new', { user_id: userId });
}
