/** The shapes the pages read from the gateway's JSON (LiteLLM's field names). */

export type ProxyRole =
  'proxy_admin' | 'proxy_admin_viewer' | 'internal_user' | 'internal_user_viewer';

export interface Session {
  user_id: string;
  user_email: string | null;
  user_role: ProxyRole;
  expires_at: string;
  csrf_token?: string;
  /** `PROXY_LOGOUT_URL` (only in the `/session` answer): where signing out leads. */
  logout_url?: string | null;
}

export interface KeyRow {
  token: string;
  key_alias: string | null;
  key_name: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  spend: number;
  max_budget: number | null;
  budget_reset_at: string | null;
  budget_duration: string | null;
  expires: string | null;
  created_at: string | null;
  blocked: boolean | null;
}

export interface KeyPage {
  keys: KeyRow[];
  total_count: number;
  current_page: number;
  total_pages: number;
}

export interface GeneratedKey extends KeyRow {
  key: string;
}

export interface UserRow {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: ProxyRole;
  models: string[];
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  created_at?: string | null;
}

export interface UserPage {
  users: UserRow[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export interface UserInfo {
  user_id: string;
  user_info: UserRow | null;
  keys: KeyRow[];
  /** The teams the user is a member of. */
  teams?: TeamRow[];
}

export interface TeamMember {
  user_id: string | null;
  user_email: string | null;
  role: 'admin' | 'user';
}

export interface TeamRow {
  team_id: string;
  team_alias: string | null;
  models: string[];
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  blocked: boolean;
  members_with_roles: TeamMember[];
}

export interface TeamPage {
  teams: TeamRow[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export interface Invitation {
  id: string;
  user_id: string;
  is_accepted?: boolean;
  accepted_at?: string | null;
  expires_at: string;
  created_at: string;
  created_by?: string;
  invitation_link?: string;
}

export interface ModelInfoEntry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: {
    id: string;
    db_model?: boolean;
    mode?: string;
    input_cost_per_token?: number | null;
    output_cost_per_token?: number | null;
    max_tokens?: number | null;
    [field: string]: unknown;
  };
}

export interface AuditEntry {
  id: string;
  updated_at: string;
  changed_by: string;
  action: string;
  table_name: string;
  object_id: string;
  before_value: unknown;
  updated_values: unknown;
}

export interface AuditPage {
  audit_logs: AuditEntry[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

/** One call of the spend log (`/spend/logs/ui`), with LiteLLM's column names. */
export interface SpendLogRow {
  request_id: string;
  call_type: string;
  /** SHA-256 hex of the key; empty for calls without one. */
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
  user: string;
  team_id: string | null;
  end_user: string;
  /** A list, or the list as JSON text (as LiteLLM's database keeps it). */
  request_tags: string[] | string;
  /** An object, or the object as JSON text; `user_api_key_alias` names the key. */
  metadata: Record<string, unknown> | string;
  cache_hit: string;
  status: string;
  /** What the call asked and answered, when the gateway keeps them; `{}` when not. */
  messages?: unknown;
  response?: unknown;
}

export interface SpendLogPage {
  data: SpendLogRow[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}
