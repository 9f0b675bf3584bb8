/** The columns each kind of object shows in a table. */
import type { Column } from './table.js';

export type Row = Record<string, unknown>;

const money = (value: unknown): string =>
  typeof value === 'number'
    ? String(Math.round(value * 1e6) / 1e6)
    : value == null
      ? '-'
      : String(value);

export const USER_COLUMNS: Column<Row>[] = [
  { header: 'user_id', value: (u) => u.user_id },
  { header: 'email', value: (u) => u.user_email },
  { header: 'alias', value: (u) => u.user_alias },
  { header: 'role', value: (u) => u.user_role },
  { header: 'models', value: (u) => u.models },
  { header: 'spend', value: (u) => money(u.spend) },
  { header: 'max_budget', value: (u) => money(u.max_budget) },
  { header: 'budget_duration', value: (u) => u.budget_duration },
  { header: 'keys', value: (u) => u.key_count },
];

export const KEY_COLUMNS: Column<Row>[] = [
  { header: 'key_name', value: (k) => k.key_name },
  { header: 'alias', value: (k) => k.key_alias },
  { header: 'user_id', value: (k) => k.user_id },
  { header: 'team_id', value: (k) => k.team_id },
  { header: 'models', value: (k) => k.models },
  { header: 'spend', value: (k) => money(k.spend) },
  { header: 'max_budget', value: (k) => money(k.max_budget) },
  { header: 'expires', value: (k) => k.expires },
  { header: 'blocked', value: (k) => (k.blocked === true ? 'yes' : 'no') },
  { header: 'token', value: (k) => k.token },
];

export const TEAM_COLUMNS: Column<Row>[] = [
  { header: 'team_id', value: (t) => t.team_id },
  { header: 'alias', value: (t) => t.team_alias },
  {
    header: 'members',
    value: (t) => (Array.isArray(t.members_with_roles) ? t.members_with_roles.length : 0),
  },
  { header: 'models', value: (t) => t.models },
  { header: 'spend', value: (t) => money(t.spend) },
  { header: 'max_budget', value: (t) => money(t.max_budget) },
  { header: 'blocked', value: (t) => (t.blocked === true ? 'yes' : 'no') },
];

/** An organization's budget lives in its budget row. */
const orgBudget = (o: Row): Row => (o.litellm_budget_table ?? {}) as Row;

export const ORG_COLUMNS: Column<Row>[] = [
  { header: 'organization_id', value: (o) => o.organization_id },
  { header: 'alias', value: (o) => o.organization_alias },
  { header: 'teams', value: (o) => (Array.isArray(o.teams) ? o.teams.length : 0) },
  { header: 'members', value: (o) => (Array.isArray(o.members) ? o.members.length : 0) },
  { header: 'models', value: (o) => o.models },
  { header: 'spend', value: (o) => money(o.spend) },
  { header: 'max_budget', value: (o) => money(orgBudget(o).max_budget) },
];

export const TAG_COLUMNS: Column<Row>[] = [
  { header: 'name', value: (t) => t.name },
  { header: 'spend', value: (t) => money(t.spend) },
  { header: 'max_budget', value: (t) => money(t.max_budget) },
  { header: 'budget_duration', value: (t) => t.budget_duration },
  { header: 'description', value: (t) => t.description },
];

/** The fields `tags info` shows. */
export function tagFields(t: Row): Row {
  return pickFields(t, [
    'name',
    'description',
    'models',
    'spend',
    'max_budget',
    'budget_duration',
    'budget_reset_at',
    'soft_budget',
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
    'budget_id',
    'created_at',
  ]);
}

export const ORG_MEMBER_COLUMNS: Column<Row>[] = [
  { header: 'user_id', value: (m) => m.user_id },
  { header: 'role', value: (m) => m.user_role },
  { header: 'spend', value: (m) => money(m.spend) },
];

/** The fields `orgs info` shows, the budget's flattened in. */
export function orgFields(o: Row): Row {
  const budget = orgBudget(o);
  return {
    organization_id: o.organization_id,
    organization_alias: o.organization_alias,
    models: o.models,
    spend: o.spend,
    max_budget: budget.max_budget ?? null,
    budget_duration: budget.budget_duration ?? null,
    budget_reset_at: o.budget_reset_at,
    tpm_limit: budget.tpm_limit ?? null,
    rpm_limit: budget.rpm_limit ?? null,
    metadata: o.metadata,
    created_at: o.created_at,
  };
}

export const MEMBER_COLUMNS: Column<Row>[] = [
  { header: 'user_id', value: (m) => m.user_id },
  { header: 'email', value: (m) => m.user_email },
  { header: 'role', value: (m) => m.role },
];

export const MODEL_COLUMNS: Column<Row>[] = [
  { header: 'model_name', value: (m) => m.model_name },
  { header: 'model', value: (m) => (m.litellm_params as Row | undefined)?.model },
  { header: 'id', value: (m) => (m.model_info as Row | undefined)?.id },
  {
    header: 'source',
    value: (m) => ((m.model_info as Row | undefined)?.db_model === true ? 'database' : 'config'),
  },
];

/** The fields of a user worth showing after create or update. */
export function pickFields(row: Row, fields: readonly string[]): Row {
  return Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]]));
}

export const USER_FIELDS = [
  'user_id',
  'user_email',
  'user_alias',
  'user_role',
  'models',
  'spend',
  'max_budget',
  'budget_duration',
  'budget_reset_at',
  'tpm_limit',
  'rpm_limit',
  'teams',
  'metadata',
  'created_at',
];

export const KEY_FIELDS = [
  'key_name',
  'key_alias',
  'token',
  'user_id',
  'team_id',
  'models',
  'spend',
  'max_budget',
  'budget_duration',
  'budget_reset_at',
  'expires',
  'tpm_limit',
  'rpm_limit',
  'blocked',
  'metadata',
  'created_at',
];

export const TEAM_FIELDS = [
  'team_id',
  'team_alias',
  'models',
  'spend',
  'max_budget',
  'budget_duration',
  'tpm_limit',
  'rpm_limit',
  'blocked',
  'metadata',
  'created_at',
];
