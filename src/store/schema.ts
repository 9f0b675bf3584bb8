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

export interface DatabaseSchema {
  keys: KeyTable;
  deprecated_keys: DeprecatedKeyTable;
  users: UserTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  customers: CustomerTable;
  audit_log: AuditLogTable;
  models: ModelTable;
}
