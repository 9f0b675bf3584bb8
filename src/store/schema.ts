/**
 * The tables of the store, as Kysely sees them. The same column types on SQLite and PostgreSQL:
 * JSON as text, booleans as 0/1 integers, timestamps as ISO-8601 UTC text (sortable as strings).
 * Column names follow LiteLLM's, so its data and habits carry over.
 */

export interface KeyTable {
  /** SHA-256 hex of the raw key: the raw key is never stored. */
  token: string;
  key_name: string | null;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  /** JSON arrays / objects. */
  models: string;
  aliases: string;
  config: string;
  permissions: string;
  metadata: string;
  tags: string;
  allowed_routes: string;
  model_max_budget: string;
  /** A shared budget (`budgets`) whose limits the key has, where it sets none itself. */
  budget_id: string | null;
  /** The organization of a key outside any team (a team's key belongs to the team's). */
  organization_id: string | null;
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  expires: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  blocked: number;
  key_type: string;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** Old secrets of regenerated keys that stay valid until `revoke_at` (grace period). */
export interface DeprecatedKeyTable {
  token: string;
  active_token: string;
  revoke_at: string;
}

export interface UserTable {
  user_id: string;
  user_email: string | null;
  /** Lower-cased email, unique: emails are unique case-insensitively. */
  user_email_lower: string | null;
  user_alias: string | null;
  user_role: string;
  password_hash: string | null;
  sso_user_id: string | null;
  models: string;
  metadata: string;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  created_at: string;
  updated_at: string;
}

export interface TeamTable {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  metadata: string;
  models: string;
  model_aliases: string;
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  blocked: number;
  /** Defaults for the members: a budget each, its duration, rate limits, their keys' duration. */
  team_member_budget: number | null;
  team_member_budget_duration: string | null;
  team_member_rpm_limit: number | null;
  team_member_tpm_limit: number | null;
  team_member_key_duration: string | null;
  created_at: string;
  updated_at: string;
}

export interface TeamMemberTable {
  team_id: string;
  user_id: string;
  /** `admin` or `user`. */
  role: string;
  max_budget_in_team: number | null;
  spend: number;
  tpm_limit: number | null;
  rpm_limit: number | null;
  /** The member's own; when null, the team's `team_member_budget_duration` applies. */
  budget_duration: string | null;
  /** ISO-8601 UTC end of the window `spend` belongs to; null: no window yet. */
  budget_reset_at: string | null;
  created_at: string;
}

export interface CustomerTable {
  user_id: string;
  alias: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  blocked: number;
  allowed_model_region: string | null;
  default_model: string | null;
  metadata: string;
  /** A shared budget (`budgets`) whose limits the customer has, where it sets none itself. */
  budget_id: string | null;
  max_parallel_requests: number | null;
  soft_budget: number | null;
  created_at: string;
  updated_at: string;
}

/** A shared budget (LiteLLM's BudgetTable): limits that customers point to with `budget_id`. */
export interface BudgetTable {
  budget_id: string;
  max_budget: number | null;
  soft_budget: number | null;
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  model_max_budget: string;
  budget_duration: string | null;
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** An organization (LiteLLM's OrganizationTable): teams belong to it; its limits are a budget's. */
export interface OrganizationTable {
  organization_id: string;
  organization_alias: string;
  budget_id: string | null;
  models: string;
  metadata: string;
  spend: number;
  /** Always null: an organization's spend window runs by its budget's duration. */
  budget_duration: string | null;
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** A tag with a budget (LiteLLM's TagTable); its limits are a budget's. */
export interface TagTable {
  tag_name: string;
  description: string | null;
  models: string;
  budget_id: string | null;
  spend: number;
  /** Always null: a tag's spend window runs by its budget's duration. */
  budget_duration: string | null;
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** A user's membership of an organization (LiteLLM's OrganizationMembership). */
export interface OrganizationMemberTable {
  organization_id: string;
  user_id: string;
  user_role: string;
  spend: number;
  /** The member's budget in the organization (`max_budget_in_organization`), a `budgets` row. */
  budget_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  /** uuid */
  id: string;
  created_at: string;
  changed_by: string | null;
  changed_by_api_key: string | null;
  action: string;
  table_name: string;
  object_id: string;
  before_value: string | null;
  updated_values: string | null;
}

/** Models stored in the database (LiteLLM's ProxyModelTable). */
export interface ModelTable {
  model_id: string;
  model_name: string;
  /** JSON object; provider credentials encrypted value by value. */
  litellm_params: string;
  /** JSON object. */
  model_info: string;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** What a call asked and answered, as JSON text (migration 0017, store_prompts_in_spend_logs). */
export interface SpendLogPayloadTable {
  request_id: string;
  startTime: string;
  messages: string;
  response: string;
}

/** A spend batch booked without a log row per call (migration 0016). */
export interface SpendBatchTable {
  batch_id: string;
  written_at: string;
}

/** The spend of a budget routing keeps to, in one window (migration 0018). */
export interface RouteBudgetSpendTable {
  kind: 'provider' | 'deployment';
  id: string;
  spend: number;
  /** ISO end of the window; '' for a budget that never resets. */
  budget_reset_at: string;
}

/** One row per call (LiteLLM's SpendLogs); JSON columns as text. */
export interface SpendLogTable {
  request_id: string;
  call_type: string;
  /** SHA-256 hex of the key; '' for calls without one. */
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: string;
  endTime: string;
  request_duration_ms: number | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  user: string;
  team_id: string | null;
  end_user: string;
  request_tags: string;
  metadata: string;
  cache_hit: string;
  cache_key: string;
  status: string;
}

/** The totals both daily aggregates carry. */
export interface SpendTotals {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
}

/** Spend per UTC day × key × user × team × customer × model; missing dimensions are ''. */
export interface DailySpendTable extends SpendTotals {
  date: string;
  api_key: string;
  user_id: string;
  team_id: string;
  end_user: string;
  model_group: string;
  model: string;
  custom_llm_provider: string;
}

/** Spend per UTC day × request tag. */
/** Per UTC day × tag × key × model group × model × provider (migration 0019); '' for none. */
export interface DailyTagSpendTable extends SpendTotals {
  date: string;
  tag: string;
  api_key: string;
  model_group: string;
  model: string;
  custom_llm_provider: string;
}

/** Web UI sessions: the SHA-256 of the session id, never the id. */
export interface UiSessionTable {
  id_hash: string;
  user_id: string;
  kind: string;
  credential_tag: string | null;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

/** LiteLLM's InvitationLink: lets one user set a password, once, until `expires_at`. */
export interface InvitationTable {
  id: string;
  user_id: string;
  is_accepted: number;
  accepted_at: string | null;
  expires_at: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** A key's spend on one model of its `model_max_budget`, in the window ending `budget_reset_at`. */
export interface KeyModelSpendTable {
  token: string;
  model: string;
  spend: number;
  /** ISO-8601 UTC; '' when the model's budget never resets. */
  budget_reset_at: string;
}

export interface DatabaseSchema {
  keys: KeyTable;
  key_model_spend: KeyModelSpendTable;
  deprecated_keys: DeprecatedKeyTable;
  users: UserTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  customers: CustomerTable;
  budgets: BudgetTable;
  organizations: OrganizationTable;
  organization_members: OrganizationMemberTable;
  tags: TagTable;
  audit_log: AuditLogTable;
  models: ModelTable;
  spend_logs: SpendLogTable;
  daily_spend: DailySpendTable;
  daily_tag_spend: DailyTagSpendTable;
  spend_batches: SpendBatchTable;
  spend_log_payloads: SpendLogPayloadTable;
  route_budget_spend: RouteBudgetSpendTable;
  ui_sessions: UiSessionTable;
  invitations: InvitationTable;
}
