/** What /login, /session and /onboarding/claim_token say about the signed-in caller. */
import { MASTER_USER_ID } from '../auth/principal.js';
import type { SessionRecord } from '../store/session-repository.js';

export interface SessionView {
  user_id: string;
  user_email: string | null;
  user_role: string;
  expires_at: string;
  csrf_token: string;
}

export function sessionView(
  record: SessionRecord,
  user: { user_email: string | null; user_role: string } | undefined,
): SessionView {
  const admin = record.kind === 'ui_admin';
  return {
    user_id: admin ? MASTER_USER_ID : record.user_id,
    user_email: user?.user_email ?? null,
    user_role: admin ? 'proxy_admin' : (user?.user_role ?? 'internal_user'),
    expires_at: record.expires_at,
    csrf_token: record.csrf_token,
  };
}
