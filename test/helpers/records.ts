/** Complete store records with sensible defaults, for tests that seed the store directly. */
import { createHash } from 'node:crypto';
import { defaultKeySettings } from '../../src/admin/key-settings.js';
import type { KeyRecord } from '../../src/store/key-repository.js';
import type { TeamMemberRecord, TeamRecord } from '../../src/store/team-repository.js';
import type { UserRecord } from '../../src/store/user-repository.js';

const EPOCH = '2025-01-01T00:00:00.000Z';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function keyRecord(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    ...defaultKeySettings(),
    token: sha256(`sk-${Math.random()}`),
    key_name: null,
    created_by: null,
    updated_by: null,
    created_at: EPOCH,
    updated_at: EPOCH,
    ...overrides,
  };
}

export function userRecord(overrides: Partial<UserRecord> & { user_id: string }): UserRecord {
  return {
    user_email: null,
    user_alias: null,
    user_role: 'internal_user',
    sso_user_id: null,
    models: [],
    metadata: {},
    spend: 0,
    max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    created_at: EPOCH,
    updated_at: EPOCH,
    ...overrides,
  };
}

export function teamRecord(overrides: Partial<TeamRecord> & { team_id: string }): TeamRecord {
  return {
    team_alias: null,
    organization_id: null,
    metadata: {},
    models: [],
    model_aliases: {},
    spend: 0,
    max_budget: null,
    soft_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    blocked: false,
    created_at: EPOCH,
    updated_at: EPOCH,
    team_member_budget: null,
    team_member_budget_duration: null,
    team_member_rpm_limit: null,
    team_member_tpm_limit: null,
    team_member_key_duration: null,
    ...overrides,
  };
}

export function memberRecord(
  overrides: Partial<TeamMemberRecord> & { team_id: string; user_id: string },
): TeamMemberRecord {
  return {
    role: 'user',
    max_budget_in_team: null,
    spend: 0,
    tpm_limit: null,
    rpm_limit: null,
    budget_duration: null,
    budget_reset_at: null,
    created_at: EPOCH,
    ...overrides,
  };
}
