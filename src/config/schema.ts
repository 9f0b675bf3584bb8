/**
 * The LiteLLM `config.yaml` schema. Objects are loose: keys Tollgate does not know are kept so the
 * loader can warn about them one by one instead of refusing a config that works with LiteLLM.
 */
import { z } from 'zod';
import { parseDuration } from '../util/duration.js';
import { DefaultTeamParamsSchema } from './sso-settings.js';

const seconds = z.number().positive();
const nonNegInt = z.number().int().nonnegative();
const stringList = z.array(z.string());
/** A budget window in LiteLLM's duration strings (`30s`, `1d`, `1mo`, `daily`). */
const budgetPeriod = z.string().superRefine((text, ctx) => {
  try {
    const duration = parseDuration(text);
    if (duration === null || duration.amount === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `no window in "${text}"; write a duration like 1d, 30d or 1mo`,
      });
    }
  } catch (error: unknown) {
    ctx.addIssue({
      code: 'custom',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});

/** `[{"gpt-4o": ["gpt-4o-mini", "claude"]}]`, LiteLLM's fallback list format. */
export const FallbackListSchema = z.array(z.record(z.string(), stringList));

export const LitellmParamsSchema = z.looseObject({
  model: z.string().min(1),
  custom_llm_provider: z.string().optional(),
  api_base: z.string().url().optional(),
  base_url: z.string().url().optional(),
  api_key: z.string().optional(),
  api_version: z.string().optional(),
  organization: z.string().optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  weight: z.number().positive().optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  max_retries: nonNegInt.optional(),
  input_cost_per_token: z.number().nonnegative().optional(),
  output_cost_per_token: z.number().nonnegative().optional(),
  input_cost_per_second: z.number().nonnegative().optional(),
  output_cost_per_second: z.number().nonnegative().optional(),
  output_cost_per_image: z.number().nonnegative().optional(),
  input_cost_per_pixel: z.number().nonnegative().optional(),
  input_cost_per_character: z.number().nonnegative().optional(),
  input_cost_per_query: z.number().nonnegative().optional(),
  cache_read_input_token_cost: z.number().nonnegative().optional(),
  cache_creation_input_token_cost: z.number().nonnegative().optional(),
  extra_headers: z.record(z.string(), z.string()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  /** A deployment's own budget (LiteLLM's deployment budgets): skipped by routing once spent. */
  max_budget: z.number().nonnegative().optional(),
  budget_duration: budgetPeriod.optional(),
});

export const ModelInfoSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).optional(),
  access_groups: stringList.optional(),
  mode: z
    .enum([
      'chat',
      'completion',
      'embedding',
      'image_generation',
      'audio_transcription',
      'audio_speech',
      'rerank',
      'moderation',
      'responses',
    ])
    .optional(),
  base_model: z.string().optional(),
});

export const ModelEntrySchema = z.looseObject({
  model_name: z.string().min(1),
  litellm_params: LitellmParamsSchema,
  model_info: ModelInfoSchema.nullable().optional(),
});

export const GeneralSettingsSchema = z.looseObject({
  master_key: z.string().min(1).optional(),
  /** Where alerts go: `webhook` (WEBHOOK_URL), `slack` (SLACK_WEBHOOK_URL). */
  alerting: z.array(z.string()).optional(),
  /** Which alerts: Tollgate sends `budget_alerts`. */
  alert_types: z.array(z.string()).optional(),
  database_url: z.string().optional(),
  /**
   * LiteLLM v1.16's beta DynamoDB store (`dynamo_db`) and its table settings: Tollgate's store is
   * SQLite or PostgreSQL, so both are read only to say so (`databaseTypeWarning`).
   */
  database_type: z.string().optional(),
  database_args: z.record(z.string(), z.unknown()).optional(),
  max_request_size_mb: z.number().positive().optional(),
  litellm_key_header_name: z.string().optional(),
  /** A header that names the customer of a call (older LiteLLM; see user_header_mappings). */
  user_header_name: z.string().min(1).optional(),
  /** Headers that name who a call is for; Tollgate reads those with the role `customer`. */
  user_header_mappings: z
    .array(
      z.looseObject({
        header_name: z.string().min(1),
        litellm_user_role: z.string().min(1),
      }),
    )
    .optional(),
  /** `module.fn`: an async hook that may refuse a /key/generate request. */
  custom_key_generate: z.string().min(1).optional(),
  /** `module.fn`: an async hook that authenticates requests instead of the virtual-key lookup. */
  custom_auth: z.string().min(1).optional(),
  custom_auth_settings: z.looseObject({ mode: z.enum(['on', 'auto']).optional() }).optional(),
  /** A second listener for the admin routes (and health): see docs/operations.md. */
  admin_port: z.number().int().min(0).max(65535).optional(),
  admin_host: z.string().min(1).optional(),
  /** Default: true when admin_port is set, else false. */
  disable_admin_routes_on_public_listener: z.boolean().optional(),
  /** Seconds between writes of the spend ledger (LiteLLM's name; Tollgate's default is 0.5). */
  proxy_batch_write_at: z.number().positive().max(3600).optional(),
  /** Status of budget refusals: 429 (newer LiteLLM, default) or 400 (older LiteLLM). */
  budget_exceeded_status_code: z.union([z.literal(429), z.literal(400)]).optional(),
  /** Seconds a call may wait for other calls' reservations before its budget refuses it. */
  budget_wait_timeout: z.number().nonnegative().max(3600).optional(),
  /** Request fields every LLM call must carry (`user`, `metadata.generation_name`). */
  enforced_params: z.array(z.string().min(1)).optional(),
  /** Settings for service-account keys (those with `metadata.service_account_id`). */
  service_account_settings: z
    .looseObject({ enforced_params: z.array(z.string().min(1)).optional() })
    .optional(),
  /** JWT auth for API calls; the claims mapping is `litellm_jwtauth` (config/jwt-auth-settings.ts). */
  enable_jwt_auth: z.boolean().optional(),
  litellm_jwtauth: z.record(z.string(), z.unknown()).nullable().optional(),
  /** Spend log rows older than this are deleted (config/spend-log-settings.ts). */
  maximum_spend_logs_retention_period: z.string().optional(),
  /** How often that deletion runs (default daily)... */
  maximum_spend_logs_retention_interval: z.string().optional(),
  /** ...or when, as a cron pattern (takes precedence). */
  maximum_spend_logs_cleanup_cron: z.string().optional(),
  /** Per-tag daily totals older than this are deleted by the same job. */
  maximum_daily_tag_spend_retention_period: z.string().optional(),
  /** No spend log row per call: spend is still booked to every scope and the daily totals. */
  disable_spend_logs: z.boolean().optional(),
  /** No spend log row for a failed call (they cost nothing); still counted in the daily totals. */
  disable_error_logs: z.boolean().optional(),
  /** Keep each call's request and answer with its spend log row (shown by /spend/logs). */
  store_prompts_in_spend_logs: z.boolean().optional(),
});

const ProxyRoleSchema = z.enum([
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
]);

/** A team a new user joins: its id, or the id with the user's role and budget in it. */
export const TeamJoinSchema = z.union([
  z.string().min(1),
  z.object({
    team_id: z.string().min(1),
    max_budget_in_team: z.number().nonnegative().nullable().optional(),
    user_role: z.enum(['admin', 'user']).nullable().optional(),
  }),
]);

/** `litellm_settings.default_internal_user_params`: what a new internal user gets unless told. */
export const DefaultInternalUserParamsSchema = z.looseObject({
  user_role: ProxyRoleSchema.optional(),
  max_budget: z.number().nonnegative().optional(),
  budget_duration: z.string().optional(),
  models: stringList.optional(),
  teams: z.array(TeamJoinSchema).optional(),
  /** Teams users may join on their own (`GET /team/available`, `/team/member_add` of oneself). */
  available_teams: z.array(z.string().min(1)).optional(),
  tpm_limit: nonNegInt.optional(),
  rpm_limit: nonNegInt.optional(),
  max_parallel_requests: nonNegInt.optional(),
});

const budget = z.number().nonnegative();

/** `litellm_settings.default_key_generate_params`: what /key/generate fills in when unset. */
export const DefaultKeyGenerateParamsSchema = z.looseObject({
  max_budget: budget.optional(),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
  max_parallel_requests: nonNegInt.optional(),
  tpm_limit: nonNegInt.optional(),
  rpm_limit: nonNegInt.optional(),
  budget_duration: z.string().optional(),
  duration: z.string().optional(),
  models: stringList.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** `litellm_settings.upperbound_key_generate_params`: the most a new key may get. */
export const UpperboundKeyGenerateParamsSchema = z.looseObject({
  max_budget: budget.optional(),
  budget_duration: z.string().optional(),
  duration: z.string().optional(),
  max_parallel_requests: nonNegInt.optional(),
  tpm_limit: nonNegInt.optional(),
  rpm_limit: nonNegInt.optional(),
});

/** `litellm_settings.key_generation_settings`: who may create team and personal keys. */
export const KeyGenerationSettingsSchema = z.looseObject({
  team_key_generation: z
    .looseObject({
      allowed_team_member_roles: z.array(z.enum(['admin', 'user'])).optional(),
      required_params: stringList.optional(),
    })
    .optional(),
  personal_key_generation: z
    .looseObject({
      allowed_user_roles: z.array(ProxyRoleSchema).optional(),
      required_params: stringList.optional(),
    })
    .optional(),
});

/** A port as written in YAML or read from `os.environ/` (a string then); checked when used. */
const RedisPortSchema = z.union([z.number(), z.string()]);

/**
 * `litellm_settings.cache_params`: where and how `litellm_settings.cache` keeps responses
 * (config/cache-settings.ts). A Redis named here is also the one cluster mode uses when
 * `router_settings` names none (config/redis-settings.ts).
 */
export const CacheParamsSchema = z.looseObject({
  type: z.string().optional(),
  ttl: z.number().positive().optional(),
  default_in_memory_ttl: z.number().positive().optional(),
  default_in_redis_ttl: z.number().positive().optional(),
  namespace: z.string().min(1).optional(),
  supported_call_types: z.array(z.string()).optional(),
  mode: z.enum(['default_on', 'default_off']).optional(),
  url: z.string().optional(),
  host: z.string().optional(),
  port: RedisPortSchema.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  ssl: z.union([z.boolean(), z.string()]).optional(),
});

export const LitellmSettingsSchema = z.looseObject({
  drop_params: z.boolean().optional(),
  /** Logging callbacks: `otel`, `langfuse_otel` and `prometheus` are acted on (config/trace-settings.ts). */
  callbacks: z.array(z.string()).optional(),
  success_callback: z.array(z.string()).optional(),
  failure_callback: z.array(z.string()).optional(),
  /** Headers whose values become spend tags, `Header-Name: value`. */
  extra_spend_tag_headers: z.array(z.string().min(1)).optional(),
  /** Leave out the `User-Agent: ...` spend tag that every call gets. */
  disable_add_user_agent_to_request_tags: z.boolean().optional(),
  default_key_generate_params: DefaultKeyGenerateParamsSchema.optional(),
  upperbound_key_generate_params: UpperboundKeyGenerateParamsSchema.optional(),
  key_generation_settings: KeyGenerationSettingsSchema.optional(),
  max_internal_user_budget: z.number().nonnegative().optional(),
  internal_user_budget_duration: z.string().optional(),
  default_internal_user_params: DefaultInternalUserParamsSchema.optional(),
  num_retries: nonNegInt.optional(),
  request_timeout: seconds.optional(),
  fallbacks: FallbackListSchema.optional(),
  context_window_fallbacks: FallbackListSchema.optional(),
  content_policy_fallbacks: FallbackListSchema.optional(),
  default_fallbacks: stringList.optional(),
  /** Response caching (config/cache-settings.ts). */
  cache: z.boolean().optional(),
  cache_params: CacheParamsSchema.nullable().optional(),
  /** Budget of end users (`user` field) that have none of their own. */
  max_end_user_budget: z.number().nonnegative().optional(),
  /** IANA time zone whose calendar budget resets follow (checked in load-config.ts). */
  timezone: z.string().optional(),
  /** Settings of teams created from SSO groups (config/sso-settings.ts). */
  default_team_params: DefaultTeamParamsSchema.nullable().optional(),
});

export const RoutingStrategySchema = z.enum([
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing',
  'usage-based-routing-v2',
]);
export type RoutingStrategy = z.infer<typeof RoutingStrategySchema>;

const AliasTarget = z.union([
  z.string(),
  z.looseObject({ model: z.string(), hidden: z.boolean().optional() }),
]);

/**
 * One provider's budget in `router_settings.provider_budget_config`; LiteLLM's BudgetConfig also
 * takes `max_budget` / `budget_duration` for the same two fields.
 */
const ProviderBudgetSchema = z.looseObject({
  budget_limit: z.number().nonnegative().optional(),
  time_period: budgetPeriod.optional(),
  max_budget: z.number().nonnegative().optional(),
  budget_duration: budgetPeriod.optional(),
});

export const RouterSettingsSchema = z.looseObject({
  routing_strategy: RoutingStrategySchema.optional(),
  num_retries: nonNegInt.optional(),
  allowed_fails: nonNegInt.optional(),
  cooldown_time: z.number().nonnegative().optional(),
  retry_after: z.number().nonnegative().optional(),
  timeout: seconds.optional(),
  stream_timeout: seconds.optional(),
  fallbacks: FallbackListSchema.optional(),
  context_window_fallbacks: FallbackListSchema.optional(),
  content_policy_fallbacks: FallbackListSchema.optional(),
  default_fallbacks: stringList.optional(),
  model_group_alias: z.record(z.string(), AliasTarget).optional(),
  /** Tag-based routing: requests with tags go to deployments with those tags. */
  enable_tag_filtering: z.boolean().optional(),
  /** A deployment serves a tagged request when it has any of its tags (true) or all of them. */
  tag_filtering_match_any: z.boolean().optional(),
  /** Budgets per provider (`openai`, `azure`, ...): their deployments are skipped once spent. */
  provider_budget_config: z.record(z.string(), ProviderBudgetSchema).optional(),
  /** Redis for cluster mode (see config/redis-settings.ts). */
  redis_url: z.string().optional(),
  redis_host: z.string().optional(),
  redis_port: RedisPortSchema.optional(),
  redis_password: z.string().optional(),
});

/** What a content filter entry does with a match; LiteLLM's values, in any case. */
const FilterActionSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toUpperCase() : v),
  z.enum(['BLOCK', 'MASK'], { error: 'must be BLOCK or MASK' }),
);

/** One entry of `guardrails[].litellm_params.patterns` (litellm_content_filter). */
export const GuardrailPatternSchema = z.looseObject({
  pattern_type: z.enum(['prebuilt', 'regex'], { error: 'must be prebuilt or regex' }),
  pattern_name: z.string().min(1).optional(),
  pattern: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  action: FilterActionSchema,
});

/** One entry of `blocked_words` (inline, or in the `blocked_words_file`). */
export const BlockedWordSchema = z.looseObject({
  keyword: z.string().min(1),
  action: FilterActionSchema,
  description: z.string().nullable().optional(),
});

/** One guardrail of the top-level `guardrails` list. */
export const GuardrailSchema = z.looseObject({
  guardrail_name: z.string().min(1),
  litellm_params: z.looseObject({
    guardrail: z.string().min(1),
    mode: z.union([z.string(), z.array(z.string())]).optional(),
    default_on: z.boolean().optional(),
    patterns: z.array(GuardrailPatternSchema).nullable().optional(),
    blocked_words: z.array(BlockedWordSchema).nullable().optional(),
    blocked_words_file: z.string().min(1).nullable().optional(),
    pattern_redaction_format: z.string().min(1).optional(),
    keyword_redaction_tag: z.string().min(1).optional(),
    // guardrail: presidio
    presidio_analyzer_api_base: z.string().min(1).nullable().optional(),
    presidio_anonymizer_api_base: z.string().min(1).nullable().optional(),
    pii_entities_config: z.record(z.string(), FilterActionSchema).nullable().optional(),
    presidio_score_thresholds: z.record(z.string(), z.number().min(0).max(1)).nullable().optional(),
    presidio_entities_deny_list: z.array(z.string()).nullable().optional(),
    presidio_language: z.string().min(1).nullable().optional(),
    presidio_ad_hoc_recognizers: z.string().min(1).nullable().optional(),
    output_parse_pii: z.boolean().nullable().optional(),
    unreachable_fallback: z
      .enum(['fail_closed', 'fail_open'], { error: 'must be fail_closed or fail_open' })
      .nullable()
      .optional(),
    // guardrail: bedrock
    guardrailIdentifier: z.string().min(1).nullable().optional(),
    guardrailVersion: z
      .union([z.string().min(1), z.number()])
      .nullable()
      .optional(),
    aws_region_name: z.string().min(1).nullable().optional(),
    aws_access_key_id: z.string().min(1).nullable().optional(),
    aws_secret_access_key: z.string().min(1).nullable().optional(),
    aws_session_token: z.string().min(1).nullable().optional(),
    aws_bedrock_runtime_endpoint: z.string().min(1).nullable().optional(),
  }),
  guardrail_info: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const ConfigFileSchema = z.looseObject({
  guardrails: z.array(GuardrailSchema).nullable().optional(),
  model_list: z.array(ModelEntrySchema).nullable().optional(),
  general_settings: GeneralSettingsSchema.nullable().optional(),
  litellm_settings: LitellmSettingsSchema.nullable().optional(),
  router_settings: RouterSettingsSchema.nullable().optional(),
  environment_variables: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .nullable()
    .optional(),
});

export type ConfigFile = z.infer<typeof ConfigFileSchema>;
export type GuardrailEntry = z.infer<typeof GuardrailSchema>;
export type GeneralSettings = z.infer<typeof GeneralSettingsSchema>;
export type LitellmSettings = z.infer<typeof LitellmSettingsSchema>;
export type ModelEntry = z.infer<typeof ModelEntrySchema>;
export type DefaultInternalUserParams = z.infer<typeof DefaultInternalUserParamsSchema>;
export type DefaultKeyGenerateParams = z.infer<typeof DefaultKeyGenerateParamsSchema>;
export type UpperboundKeyGenerateParams = z.infer<typeof UpperboundKeyGenerateParamsSchema>;
export type KeyGenerationSettings = z.infer<typeof KeyGenerationSettingsSchema>;
export type CacheParams = z.infer<typeof CacheParamsSchema>;
