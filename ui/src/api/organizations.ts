/**
 * Organizations as `/organization/list` and `/organization/info` show them (LiteLLM's shapes),
 * the roles a member may have in one, and the members' emails (a membership names only its
 * user id; `/user/list` says whose it is).
 */
import { api } from './http';
import type { TeamRow, UserPage } from './types';

export type OrganizationRole = 'org_admin' | 'internal_user' | 'internal_user_viewer';

export interface OrganizationMember {
  organization_id: string;
  user_id: string;
  user_role: OrganizationRole;
  spend: number;
}

export interface OrganizationRow {
  organization_id: string;
  organization_alias: string | null;
  models: string[];
  spend: number;
  budget_reset_at: string | null;
  litellm_budget_table: {
    budget_id: string;
    max_budget: number | null;
    budget_duration: string | null;
  } | null;
  members: OrganizationMember[];
  teams: TeamRow[];
}

export const ORGANIZATION_ROLES: readonly { value: OrganizationRole; label: string }[] = [
  { value: 'internal_user', label: 'Member' },
  { value: 'internal_user_viewer', label: 'Viewer' },
  { value: 'org_admin', label: 'Organization admin' },
];

export function organizationRoleLabel(role: OrganizationRole): string {
  return ORGANIZATION_ROLES.find((r) => r.value === role)?.label ?? role;
}

/** The emails of these users by id (a page of /user/list per 100 ids); absent if unknown. */
export async function userEmails(userIds: readonly string[]): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  for (let start = 0; start < userIds.length; start += 100) {
    const ids = userIds.slice(start, start + 100);
    const page = await api.get<UserPage>('/user/list', {
      user_ids: ids.join(','),
      page_size: ids.length,
    });
    for (const user of page.users) {
      if (user.user_email) emails.set(user.user_id, user.user_email);
    }
  }
  return emails;
}
