/**
 * LiteLLM rows → Tollgate records, for `tollgate import-litellm`. Pure: no database. Budgets that
 * LiteLLM keeps in LiteLLM_BudgetTable (team members, end users, a key's soft budget) are resolved
 * into the columns Tollgate keeps on the object itself; memberships are gathered from both places
 * LiteLLM records them (the team's `members_with_roles` and LiteLLM_TeamMembership). Organizations,
 * their members and tags hold their limits in a budget row in Tollgate as in LiteLLM, so the rows
 * they name are copied as they are.
 */
import { MASTER_USER_ID, toProxyRole } from '../auth/principal.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import type { CustomerRecord } from '../store/customer-repository.js';
import type { KeyRecord } from '../store/key-repository.js';
import type {
  OrganizationMemberRecord,
  OrganizationRecord,
  OrganizationRole,
} from '../store/organization-repository.js';
import type { SpendLogTable } from '../store/schema.js';
import type { TagRecord } from '../store/tag-repository.js';
import type { TeamMemberRecord, TeamRecord, TeamRole } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import type {
  BudgetRow,
  KeyRow,
  OrganizationMembershipRow,
  OrganizationRow,
  SpendLogRow,
  TagRow,
  TeamRow,
  UserRow,
} from './import-litellm-rows.js';
import type { LiteLLMData } from './import-litellm-source.js';
import { NO_MEMBER_DEFAULTS, newMembership } from '../store/team-repository.js';

export interface ImportSet {
  users: UserRecord[];
  teams: TeamRecord[];
  members: TeamMemberRecord[];
  keys: KeyRecord[];
  customers: CustomerRecord[];
  /** The budget rows the organizations, their members and the tags name, as LiteLLM has them. */
  budgets: BudgetRecord[];
  organizations: OrganizationRecord[];
  organizationMembers: OrganizationMemberRecord[];
  tags: TagRecord[];
  /** What could not be carried over as it was, one line each. */
  warnings: string[];
}

interface Limits {
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
}

/** `importedAt` (ISO) stands in for the times LiteLLM did not record. */
export function mapLiteLLM(data: LiteLLMData, importedAt: string): ImportSet {
  const warnings: string[] = [];
  const budget = (id: string | null) => (id === null ? undefined : data.budgets.get(id));
  const users = uniqueBy(
    data.users.map((row) => toUser(row, importedAt)),
    (u) => u.user_email?.toLowerCase(),
    (u) => {
      warnings.push(
        `user ${u.user_id}: email ${u.user_email} is another user's; imported without it`,
      );
      return { ...u, user_email: null };
    },
  );
  const keys = uniqueBy(
    data.keys.map((row) => toKey(row, budget(row.budget_id), importedAt)),
    (k) => k.key_alias ?? undefined,
    (k) => {
      warnings.push(
        `key ${keyLabel({ ...k, key_alias: null })}: alias ${k.key_alias} is another key's; imported without it`,
      );
      return { ...k, key_alias: null };
    },
  );
  // Organizations and tags keep their budget rows: each row one of them names is copied once, by
  // its id.
  const budgets = new Map<string, BudgetRecord>();
  const budgetRowOf = (owner: string, id: string | null): string | null => {
    if (id === null) return null;
    const row = data.budgets.get(id);
    if (row === undefined) {
      warnings.push(`${owner}: budget ${id} is not in LiteLLM; imported without it`);
      return null;
    }
    if (!budgets.has(id)) budgets.set(id, toBudget(row, importedAt));
    return id;
  };
  const organizations = data.organizations.map((row) =>
    toOrganization(
      row,
      budgetRowOf(`organization ${row.organization_id}`, row.budget_id),
      budget,
      importedAt,
    ),
  );
  const organizationIds = new Set(organizations.map((o) => o.organization_id));
  const organizationMembers = toOrganizationMembers(data.organizationMemberships, {
    organizationIds,
    userIds: new Set(users.map((u) => u.user_id)),
    budgetRowOf,
    importedAt,
    warnings,
  });
  const tags = data.tags.map((row) =>
    toTag(row, budgetRowOf(`tag ${row.tag_name}`, row.budget_id), budget, importedAt),
  );
  const orgKeys = keys.map((key) => {
    if (key.organization_id === null || organizationIds.has(key.organization_id)) return key;
    warnings.push(
      `key ${keyLabel(key)}: organization ${key.organization_id} is not in LiteLLM; imported without it`,
    );
    return { ...key, organization_id: null };
  });
  const teams = data.teams.map((row) => {
    const team = toTeam(row, data.modelAliases, budget, importedAt);
    if (team.organization_id === null || organizationIds.has(team.organization_id)) return team;
    warnings.push(
      `team ${team.team_id}: organization ${team.organization_id} is not in LiteLLM; imported without it`,
    );
    return { ...team, organization_id: null };
  });
  // A team's key follows its team's organization; one that named another is reported.
  const teamOrganization = new Map(teams.map((t) => [t.team_id, t.organization_id]));
  for (const row of data.keys) {
    if (row.team_id === null || row.organization_id === null) continue;
    if (teamOrganization.get(row.team_id) === row.organization_id) continue;
    warnings.push(
      `key ${keyLabel(row)}: organization ${row.organization_id} is not its team ${row.team_id}'s; the team's organization applies`,
    );
  }
  return {
    users,
    teams,
    members: toMembers(data, users, importedAt, warnings),
    keys: orgKeys,
    customers: data.endUsers.map((row) => {
      const limits = withBudget(NO_LIMITS, budget(row.budget_id));
      return {
        user_id: row.user_id,
        alias: row.alias,
        spend: row.spend,
        max_budget: limits.max_budget,
        budget_duration: limits.budget_duration,
        budget_reset_at: limits.budget_reset_at,
        tpm_limit: limits.tpm_limit,
        rpm_limit: limits.rpm_limit,
        blocked: row.blocked,
        allowed_model_region: row.allowed_model_region,
        default_model: row.default_model,
        metadata: {},
        // The budget's limits are copied onto the customer, which then needs no budget row.
        budget_id: null,
        max_parallel_requests: limits.max_parallel_requests,
        soft_budget: budget(row.budget_id)?.soft_budget ?? null,
        created_at: importedAt,
        updated_at: importedAt,
      };
    }),
    budgets: [...budgets.values()],
    organizations,
    organizationMembers,
    tags,
    warnings,
  };
}

/** How a key is named in the report: its alias or LiteLLM's `sk-...abcd`, never the hash alone. */
export function keyLabel(key: Pick<KeyRecord, 'token' | 'key_alias' | 'key_name'>): string {
  const name = key.key_name ?? `${key.token.slice(0, 12)}…`;
  return key.key_alias === null ? name : `${name} (${key.key_alias})`;
}

function toUser(row: UserRow, importedAt: string): UserRecord {
  return {
    user_id: row.user_id,
    user_email: row.user_email,
    user_alias: row.user_alias,
    user_role: toProxyRole(row.user_role),
    sso_user_id: row.sso_user_id,
    models: row.models,
    metadata: objectOf(row.metadata),
    spend: row.spend,
    ...limitsOf(row),
    created_at: row.created_at ?? importedAt,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
  };
}

function toTeam(
  row: TeamRow,
  modelAliases: Map<number, unknown>,
  budget: (id: string | null) => BudgetRow | undefined,
  importedAt: string,
): TeamRecord {
  // LiteLLM keeps the defaults for a team's members in a budget row named in the metadata.
  const { team_member_budget_id, team_member_key_duration, ...metadata } = objectOf(row.metadata);
  const memberDefaults = budget(
    typeof team_member_budget_id === 'string' ? team_member_budget_id : null,
  );
  return {
    team_id: row.team_id,
    team_alias: row.team_alias,
    organization_id: row.organization_id,
    metadata,
    models: row.models,
    model_aliases: stringsOf(row.model_id === null ? undefined : modelAliases.get(row.model_id)),
    spend: row.spend,
    ...limitsOf(row),
    soft_budget: row.soft_budget,
    blocked: row.blocked,
    ...NO_MEMBER_DEFAULTS,
    ...(memberDefaults && {
      team_member_budget: memberDefaults.max_budget,
      team_member_budget_duration: memberDefaults.budget_duration,
      team_member_rpm_limit: memberDefaults.rpm_limit,
      team_member_tpm_limit: memberDefaults.tpm_limit,
    }),
    team_member_key_duration:
      typeof team_member_key_duration === 'string' ? team_member_key_duration : null,
    created_at: row.created_at ?? importedAt,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
  };
}

function toKey(row: KeyRow, linked: BudgetRow | undefined, importedAt: string): KeyRecord {
  const metadata = objectOf(row.metadata);
  const tags = Array.isArray(metadata.tags)
    ? metadata.tags.filter((t): t is string => typeof t === 'string')
    : [];
  return {
    token: row.token,
    key_name: row.key_name,
    key_alias: row.key_alias,
    user_id: row.user_id,
    team_id: row.team_id,
    models: row.models,
    aliases: stringsOf(row.aliases),
    config: objectOf(row.config),
    permissions: objectOf(row.permissions),
    metadata,
    tags,
    allowed_routes: row.allowed_routes,
    model_max_budget: objectOf(row.model_max_budget),
    // The budget's limits are copied onto the key, which then needs no budget row.
    budget_id: null,
    // A team's key belongs to the team's organization; only a key outside any team names one.
    organization_id: row.team_id === null ? row.organization_id : null,
    spend: row.spend,
    ...withBudget(limitsOf(row), linked),
    // LiteLLM keeps a key's soft budget only in its budget row.
    soft_budget: linked?.soft_budget ?? null,
    expires: row.expires,
    blocked: row.blocked,
    key_type: 'default',
    created_by: row.created_by,
    updated_by: row.updated_by,
    created_at: row.created_at ?? importedAt,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
  };
}

/**
 * A member is anyone `members_with_roles` names (by user id, or by email when that is all it
 * has), the team's legacy `admins` and `members` lists hold, or LiteLLM_TeamMembership lists; the
 * role comes from `members_with_roles`, then `admins`; spend and the member budget from
 * LiteLLM_TeamMembership.
 */
function toMembers(
  data: LiteLLMData,
  users: UserRecord[],
  importedAt: string,
  warnings: string[],
): TeamMemberRecord[] {
  const userIds = new Set(users.map((u) => u.user_id));
  const byEmail = new Map(
    users.filter((u) => u.user_email !== null).map((u) => [u.user_email?.toLowerCase(), u.user_id]),
  );
  const teams = new Map(data.teams.map((t) => [t.team_id, t]));
  const members = new Map<string, TeamMemberRecord>();
  const upsert = (teamId: string, userId: string): TeamMemberRecord | undefined => {
    const id = `${teamId}/${userId}`;
    const team = teams.get(teamId);
    if (team === undefined || !userIds.has(userId)) {
      const missing = team === undefined ? `team ${teamId}` : `user ${userId}`;
      if (!members.has(id)) warnings.push(`member ${id}: skipped, ${missing} is not in LiteLLM`);
      return undefined;
    }
    let member = members.get(id);
    if (!member) {
      member = newMembership(
        {
          team_id: teamId,
          user_id: userId,
          role: team.admins.includes(userId) ? 'admin' : 'user',
          max_budget_in_team: null,
        },
        team.created_at ?? importedAt,
      );
      members.set(id, member);
    }
    return member;
  };
  for (const team of data.teams) {
    for (const entry of Array.isArray(team.members_with_roles) ? team.members_with_roles : []) {
      const m = objectOf(entry);
      const email = typeof m.user_email === 'string' ? m.user_email.toLowerCase() : undefined;
      const userId =
        typeof m.user_id === 'string'
          ? m.user_id
          : email === undefined
            ? undefined
            : byEmail.get(email);
      if (userId === undefined) {
        warnings.push(
          `member of team ${team.team_id}: skipped, no user for ${JSON.stringify(entry)}`,
        );
        continue;
      }
      const member = upsert(team.team_id, userId);
      if (member && (m.role === 'admin' || m.role === 'user')) member.role = m.role as TeamRole;
    }
  }
  // Older LiteLLM versions list members only as ids in `admins` and `members`.
  for (const team of data.teams) {
    for (const userId of new Set([...team.admins, ...team.members])) upsert(team.team_id, userId);
  }
  for (const row of data.memberships) {
    const member = upsert(row.team_id, row.user_id);
    if (!member) continue;
    const linked = row.budget_id === null ? undefined : data.budgets.get(row.budget_id);
    member.spend = row.spend;
    member.max_budget_in_team = linked?.max_budget ?? null;
    member.tpm_limit = linked?.tpm_limit ?? null;
    member.rpm_limit = linked?.rpm_limit ?? null;
    member.budget_duration = linked?.budget_duration ?? null;
    member.budget_reset_at = linked?.budget_reset_at ?? null;
  }
  return [...members.values()];
}

function toBudget(row: BudgetRow, importedAt: string): BudgetRecord {
  return {
    budget_id: row.budget_id,
    max_budget: row.max_budget,
    soft_budget: row.soft_budget,
    max_parallel_requests: row.max_parallel_requests,
    tpm_limit: row.tpm_limit,
    rpm_limit: row.rpm_limit,
    model_max_budget: objectOf(row.model_max_budget),
    budget_duration: row.budget_duration,
    budget_reset_at: row.budget_reset_at,
    created_at: row.created_at ?? importedAt,
    created_by: row.created_by ?? MASTER_USER_ID,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
    updated_by: row.updated_by ?? row.created_by ?? MASTER_USER_ID,
  };
}

function toOrganization(
  row: OrganizationRow,
  budgetId: string | null,
  budget: (id: string | null) => BudgetRow | undefined,
  importedAt: string,
): OrganizationRecord {
  return {
    organization_id: row.organization_id,
    organization_alias: row.organization_alias ?? row.organization_id,
    budget_id: budgetId,
    models: row.models,
    metadata: objectOf(row.metadata),
    spend: row.spend,
    // LiteLLM keeps the window of the organization's spend on its budget row; Tollgate on both.
    budget_reset_at: budget(budgetId)?.budget_reset_at ?? null,
    created_at: row.created_at ?? importedAt,
    created_by: row.created_by ?? MASTER_USER_ID,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
    updated_by: row.updated_by ?? row.created_by ?? MASTER_USER_ID,
  };
}

function toTag(
  row: TagRow,
  budgetId: string | null,
  budget: (id: string | null) => BudgetRow | undefined,
  importedAt: string,
): TagRecord {
  return {
    tag_name: row.tag_name,
    description: row.description,
    models: row.models,
    budget_id: budgetId,
    spend: row.spend,
    // LiteLLM keeps the window of the tag's spend on its budget row; Tollgate on both.
    budget_reset_at: budget(budgetId)?.budget_reset_at ?? null,
    created_at: row.created_at ?? importedAt,
    created_by: row.created_by ?? MASTER_USER_ID,
    updated_at: row.updated_at ?? row.created_at ?? importedAt,
    // LiteLLM_TagTable records no updater: its creator stands in.
    updated_by: row.created_by ?? MASTER_USER_ID,
  };
}

const ORGANIZATION_ROLES: ReadonlySet<string> = new Set<OrganizationRole>([
  'org_admin',
  'internal_user',
  'internal_user_viewer',
]);

/** LiteLLM_OrganizationMembership rows whose organization and user are both imported. */
function toOrganizationMembers(
  rows: readonly OrganizationMembershipRow[],
  context: {
    organizationIds: ReadonlySet<string>;
    userIds: ReadonlySet<string>;
    /** The id of the budget row, copied; null (with a warning) when LiteLLM lacks it. */
    budgetRowOf: (owner: string, id: string | null) => string | null;
    importedAt: string;
    warnings: string[];
  },
): OrganizationMemberRecord[] {
  const { organizationIds, userIds, budgetRowOf, importedAt, warnings } = context;
  const members = new Map<string, OrganizationMemberRecord>();
  for (const row of rows) {
    const id = `${row.organization_id}/${row.user_id}`;
    if (!organizationIds.has(row.organization_id) || !userIds.has(row.user_id)) {
      const missing = organizationIds.has(row.organization_id)
        ? `user ${row.user_id}`
        : `organization ${row.organization_id}`;
      warnings.push(`organization member ${id}: skipped, ${missing} is not in LiteLLM`);
      continue;
    }
    members.set(id, {
      organization_id: row.organization_id,
      user_id: row.user_id,
      // A role organizations do not have, or none, is internal_user, as an unknown user role is.
      user_role:
        row.user_role !== null && ORGANIZATION_ROLES.has(row.user_role)
          ? (row.user_role as OrganizationRole)
          : 'internal_user',
      spend: row.spend,
      budget_id: budgetRowOf(`organization member ${id}`, row.budget_id),
      created_at: row.created_at ?? importedAt,
      updated_at: row.updated_at ?? row.created_at ?? importedAt,
    });
  }
  return [...members.values()];
}

/** A LiteLLM spend log as a row of Tollgate's spend_logs. */
export function toSpendLog(row: SpendLogRow): SpendLogTable {
  const start = row.startTime ?? row.endTime ?? new Date(0).toISOString();
  const end = row.endTime ?? start;
  const tags = Array.isArray(row.request_tags)
    ? row.request_tags.filter((t): t is string => typeof t === 'string')
    : [];
  return {
    request_id: row.request_id,
    call_type: row.call_type ?? '',
    api_key: row.api_key ?? '',
    spend: row.spend,
    total_tokens: row.total_tokens ?? 0,
    prompt_tokens: row.prompt_tokens ?? 0,
    completion_tokens: row.completion_tokens ?? 0,
    startTime: start,
    endTime: end,
    request_duration_ms: row.request_duration_ms ?? Date.parse(end) - Date.parse(start),
    model: row.model ?? '',
    model_id: row.model_id || null,
    model_group: row.model_group || null,
    custom_llm_provider: row.custom_llm_provider || null,
    api_base: row.api_base || null,
    user: row.user ?? '',
    team_id: row.team_id || null,
    end_user: row.end_user ?? '',
    request_tags: JSON.stringify(tags),
    metadata: JSON.stringify(objectOf(row.metadata)),
    cache_hit: row.cache_hit || 'False',
    cache_key: row.cache_key ?? '',
    status: row.status === 'failure' ? 'failure' : 'success',
  };
}

const NO_LIMITS: Limits = {
  max_budget: null,
  budget_duration: null,
  budget_reset_at: null,
  tpm_limit: null,
  rpm_limit: null,
  max_parallel_requests: null,
};

function limitsOf(row: Limits): Limits {
  return {
    max_budget: row.max_budget,
    budget_duration: row.budget_duration,
    budget_reset_at: row.budget_reset_at,
    tpm_limit: row.tpm_limit,
    rpm_limit: row.rpm_limit,
    max_parallel_requests: row.max_parallel_requests,
  };
}

/** The object's own limits, each missing one taken from its linked budget row. */
function withBudget(own: Limits, linked: BudgetRow | undefined): Limits {
  if (!linked) return own;
  // A duration and its window go together: from the object when it has one, else the budget's.
  const window = own.budget_duration !== null ? own : linked;
  return {
    max_budget: own.max_budget ?? linked.max_budget,
    budget_duration: window.budget_duration,
    budget_reset_at: window.budget_reset_at,
    tpm_limit: own.tpm_limit ?? linked.tpm_limit,
    rpm_limit: own.rpm_limit ?? linked.rpm_limit,
    max_parallel_requests: own.max_parallel_requests ?? linked.max_parallel_requests,
  };
}

/** Records in order, the later ones whose `unique` value was already seen passed to `clash`. */
function uniqueBy<R>(records: R[], unique: (r: R) => string | undefined, clash: (r: R) => R): R[] {
  const seen = new Set<string>();
  return records.map((r) => {
    const value = unique(r);
    if (value === undefined) return r;
    if (seen.has(value)) return clash(r);
    seen.add(value);
    return r;
  });
}

export function objectOf(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function stringsOf(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(objectOf(value)).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
