/** The config as the rest of the gateway sees it: validated, resolved, with defaults applied. */
import type { Deployment, RouteBudget } from '../contracts/deployment.js';
import type { GuardrailDefinition } from '../guardrails/guardrail-config.js';
import type {
  DefaultInternalUserParams,
  DefaultKeyGenerateParams,
  KeyGenerationSettings,
  RoutingStrategy,
  UpperboundKeyGenerateParams,
} from './schema.js';
import type { RedisSettings } from './redis-settings.js';
import type { SpendLogRetentionSettings } from './spend-log-settings.js';
import type { TraceSettings } from './trace-settings.js';
import type { JwtAuthSettings, LitellmJwtAuth } from './jwt-auth-settings.js';
import type { DefaultTeamParams, SsoSettings } from './sso-settings.js';
import type { UiAuthSettings } from './ui-auth-settings.js';
import type { EnforcedParamsSettings } from '../proxy/enforced-params.js';

export interface AliasTarget {
  model: string;
  hidden: boolean;
}

export interface RouterConfig {
  strategy: RoutingStrategy;
  numRetries: number;
  allowedFails: number;
  cooldownMs: number;
  /** Cap on how long a retry waits for an upstream's retry-after. */
  maxRetryAfterMs: number;
  /** `retry_after`: the least time to wait before a retry, as in LiteLLM. */
  minRetryMs: number;
  timeoutMs: number;
  streamTimeoutMs?: number;
  fallbacks: Map<string, string[]>;
  contextWindowFallbacks: Map<string, string[]>;
  contentPolicyFallbacks: Map<string, string[]>;
  defaultFallbacks: string[];
  modelGroupAlias: Map<string, AliasTarget>;
  /** `enable_tag_filtering`: route tagged requests to deployments with their tags. */
  tagFiltering?: { matchAny: boolean };
  /** `provider_budget_config`: each provider's budget, by the provider's prefix. */
  providerBudgets?: ReadonlyMap<string, RouteBudget>;
}

/** Where budget alerts go (`general_settings.alerting`); absent when nowhere. */
export interface AlertSettings {
  /** WEBHOOK_URL: LiteLLM's webhook event JSON. */
  webhookUrl?: string;
  /** SLACK_WEBHOOK_URL (or ALERTING_WEBHOOK_URL): a Slack message. */
  slackUrl?: string;
}

/** Response caching (`litellm_settings.cache`); absent when off. */
export interface CacheSettings {
  type: 'local' | 'redis';
  /** Seconds an entry lives unless a request says otherwise; none = until evicted (Redis: never). */
  ttlSeconds?: number;
  /** Prefix of every cache key (`cache_params.namespace`). */
  namespace?: string;
  /** LiteLLM call types whose answers are cached. */
  callTypes: readonly string[];
  /** `default_off`: only requests that send `cache: {"use-cache": true}` use the cache. */
  mode: 'default_on' | 'default_off';
}

export interface GatewayConfig {
  deployments: Deployment[];
  /** The top-level `guardrails` list, compiled (src/guardrails/guardrail-config.ts). */
  guardrails?: readonly GuardrailDefinition[];
  alerts?: AlertSettings;
  cache?: CacheSettings;
  masterKey?: string;
  databaseUrl?: string;
  /** Custom header that carries the key (`general_settings.litellm_key_header_name`). */
  keyHeaderName?: string;
  /**
   * Headers that name the customer of a call, after LiteLLM's standard ones
   * (`general_settings.user_header_mappings` with the role `customer`, `user_header_name`).
   */
  customerHeaders?: string[];
  /**
   * Spend tags taken from headers: `Header-Name: value` for each of
   * `litellm_settings.extra_spend_tag_headers` a call carries, and `User-Agent: ...` unless
   * `disable_add_user_agent_to_request_tags`.
   */
  spendTagHeaders?: { headers: string[]; userAgent: boolean };
  /** Request fields LLM calls must carry (`general_settings.enforced_params`, ...). */
  enforcedParams: EnforcedParamsSettings;
  dropParams: boolean;
  maxRequestBytes: number;
  router: RouterConfig;
  /** Defaults for users created through the admin API. */
  internalUsers: InternalUserDefaults;
  /** The admin listener (`general_settings.admin_port`, `TOLLGATE_ADMIN_PORT`, `--admin-port`). */
  adminPort?: number;
  /** Its address; the public listener's host when unset. */
  adminHost?: string;
  /**
   * Whether the public listener answers 404 for admin routes; undefined = yes exactly when an
   * admin listener is configured. `DISABLE_ADMIN_ENDPOINTS=true` (LiteLLM's name) sets it.
   */
  disableAdminRoutesOnPublicListener?: boolean;
  /** What /key/generate applies to new keys. */
  keyGeneration?: KeyGenerationPolicy;
  /** Budgets, rate limits and the spend ledger. */
  money: MoneySettings;
  /** Where a trace span of every LLM call goes (`callbacks: ["otel"]`), if anywhere. */
  traces?: TraceSettings;
  /** What is kept of the spend log, and for how long. */
  spendLog: SpendLogSettings;
  /** Cluster mode: the Redis the replicas share (config/redis-settings.ts); none = one replica. */
  redis?: RedisSettings;
  /** Operator hooks named in `general_settings` (`module.fn`), loaded at start. */
  hooks?: HookSettings;
  /** The directory of the config file: hook modules are resolved from it (else the cwd). */
  configDir?: string;
  /**
   * Encrypts the credentials of models stored in the database: `LITELLM_SALT_KEY` or
   * `TOLLGATE_SALT_KEY`; the master key when neither is set (as in LiteLLM).
   */
  saltKey?: string;
  /** How often other replicas' changes to database models are looked for (`TOLLGATE_MODEL_POLL_SECONDS`). */
  modelPollMs?: number;
  /** The environment `os.environ/` references and provider defaults of database models read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Web UI sign-in, sessions and invitation email (config/ui-auth-settings.ts). */
  uiAuth?: UiAuthSettings;
  /** `litellm_jwtauth` with LiteLLM's defaults: the claims JWT auth and SSO read. */
  jwtClaims?: LitellmJwtAuth;
  /** JWT auth for API calls, when `general_settings.enable_jwt_auth` is on. */
  jwtAuth?: JwtAuthSettings;
  /** OpenID Connect sign-in to the web UI, when a client id is set (config/sso-settings.ts). */
  sso?: SsoSettings;
  /** `litellm_settings.default_team_params`: what teams created from SSO groups get. */
  defaultTeamParams?: DefaultTeamParams;
  /** Things worth telling the operator at start: unknown keys, unset variables, skipped models. */
  warnings: string[];
}

/** `litellm_settings` that fill in new internal users (`/user/new`, `/team/member_add`). */
export interface InternalUserDefaults {
  /** `max_internal_user_budget`. */
  maxBudget?: number;
  /** `internal_user_budget_duration`. */
  budgetDuration?: string;
  /** `default_internal_user_params`. */
  params: DefaultInternalUserParams;
}

/** `litellm_settings` (and `DISABLE_KEY_NAME`) that shape the keys /key/generate creates. */
export interface KeyGenerationPolicy {
  /** `default_key_generate_params`. */
  defaults?: DefaultKeyGenerateParams;
  /** `upperbound_key_generate_params`. */
  upperBounds?: UpperboundKeyGenerateParams;
  /** `key_generation_settings`. */
  settings?: KeyGenerationSettings;
  /** `DISABLE_KEY_NAME=True`: new keys get no `key_name`. */
  disableKeyName: boolean;
}

/** `general_settings.custom_key_generate`, `custom_auth` and `custom_auth_settings.mode`. */
export interface HookSettings {
  customKeyGenerate?: string;
  customAuth?: string;
  /** `on`: custom auth replaces the virtual-key lookup; `auto`: virtual keys when it refuses. */
  customAuthMode: 'on' | 'auto';
}

/** `general_settings` on the spend log (one row per call). */
export interface SpendLogSettings {
  /** `disable_spend_logs`: no row per call; scopes and daily totals are still booked. */
  disabled: boolean;
  /** `disable_error_logs`: no row for a failed call. */
  errorsDisabled: boolean;
  /** `store_prompts_in_spend_logs`: keep what each call asked and answered. */
  storePrompts?: boolean;
  /** `maximum_spend_logs_retention_period` and the settings of its deletion job. */
  retention?: SpendLogRetentionSettings;
}

/** How budgets refuse and wait, and how often spend is written. */
export interface MoneySettings {
  /** `general_settings.budget_exceeded_status_code`: 429 (default) or 400. */
  budgetExceededStatus: 429 | 400;
  /** `general_settings.budget_wait_timeout`, in ms. */
  budgetWaitMs?: number;
  /** `general_settings.proxy_batch_write_at`, in ms. */
  spendWriteIntervalMs?: number;
  /** `litellm_settings.max_end_user_budget`: the budget of end users without their own. */
  maxEndUserBudget?: number;
  /**
   * `litellm_settings.timezone` (an IANA zone): budget windows reset on calendar boundaries of
   * that zone (spend/budget-calendar.ts). Unset: `budget_duration` after the budget was set.
   */
  budgetTimeZone?: string;
}
