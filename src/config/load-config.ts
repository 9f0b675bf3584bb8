/**
 * Loads a LiteLLM-format config.yaml: YAML → `environment_variables` → `os.environ/` references →
 * schema → GatewayConfig. Invalid values refuse to start with the exact path; keys Tollgate does
 * not act on are accepted with one warning each.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { Deployment, RouteBudget } from '../contracts/deployment.js';
import { isLitellmOnlyProvider, isSupportedProvider, suggestProvider } from './providers-list.js';
import { buildDeployment } from './build-deployment.js';
import { ConfigError, formatPath } from './config-error.js';
import type {
  AliasTarget,
  AlertSettings,
  GatewayConfig,
  InternalUserDefaults,
  KeyGenerationPolicy,
  RouterConfig,
} from './gateway-config.js';
import { parseDuration } from '../util/duration.js';
import { buildRedisSettings } from './redis-settings.js';
import { cacheSettings } from './cache-settings.js';
import { resolveEnvReferences } from './resolve-env.js';
import { buildUiAuthSettings } from './ui-auth-settings.js';
import { buildSpendLogRetention } from './spend-log-settings.js';
import { buildTraceSettings } from './trace-settings.js';
import { buildJwtAuthSettings, JWT_FIELDS_NOT_ACTED_ON } from './jwt-auth-settings.js';
import { buildSsoSettings } from './sso-settings.js';
import {
  CacheParamsSchema,
  ConfigFileSchema,
  DefaultInternalUserParamsSchema,
  DefaultKeyGenerateParamsSchema,
  GeneralSettingsSchema,
  LitellmSettingsSchema,
  ModelEntrySchema,
  ModelInfoSchema,
  RouterSettingsSchema,
  UpperboundKeyGenerateParamsSchema,
  type ConfigFile,
} from './schema.js';
import { buildGuardrails } from '../guardrails/guardrail-config.js';

export interface LoadConfigOptions {
  /** The process environment; `environment_variables` from the config are added to it. */
  env: Record<string, string | undefined>;
  /** Where files the config names by a relative path are (a blocked-words file); the cwd if unset. */
  baseDir?: string;
}

const DEFAULT_MAX_REQUEST_MB = 8;

/** Settings LiteLLM knows that Tollgate accepts but does not act on yet. */
const NOT_YET: Record<string, readonly string[]> = {};

export function loadConfigFile(path: string, options: LoadConfigOptions): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    throw new ConfigError([`${path}: cannot read the file (${(e as Error).message})`]);
  }
  const configDir = dirname(resolvePath(path));
  return { ...loadConfigText(text, { ...options, baseDir: configDir }), configDir };
}

export function loadConfigText(text: string, options: LoadConfigOptions): GatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e: unknown) {
    throw new ConfigError([`not valid YAML: ${(e as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(['(root): expected a mapping with model_list, general_settings, ...']);
  }
  return buildConfig(raw as Record<string, unknown>, options.env, options.baseDir);
}

/** Builds the gateway config from an already-parsed object (no file). */
export function buildConfig(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  baseDir: string = process.cwd(),
): GatewayConfig {
  const warnings: string[] = [];
  const envVars = raw.environment_variables;
  if (envVars && typeof envVars === 'object' && !Array.isArray(envVars)) {
    for (const [name, value] of Object.entries(envVars)) {
      if (value !== null && value !== undefined && typeof value !== 'object') {
        env[name] = String(value);
      }
    }
  }
  const resolved = resolveEnvReferences(raw, env);
  for (const { path, name } of resolved.missing) {
    warnings.push(`${path}: environment variable ${name} is not set`);
  }

  const unsetMasterKey = resolved.missing.find((m) => m.path === 'general_settings.master_key');
  if (unsetMasterKey) {
    // Starting without the master key the config names would leave every route open.
    throw new ConfigError([
      `general_settings.master_key: environment variable ${unsetMasterKey.name} is not set; refusing to start without the master key this config asks for`,
    ]);
  }
  const parsed = ConfigFileSchema.safeParse(resolved.value);
  if (!parsed.success) {
    // A required value left empty by an unset variable is reported as that, not as a type error.
    const unset = new Map(resolved.missing.map((m) => [m.path, m.name]));
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const path = formatPath(issue.path);
        const name = unset.get(path);
        return name
          ? `${path}: environment variable ${name} is not set`
          : `${path}: ${issue.message}`;
      }),
    );
  }
  const file = parsed.data;
  warnings.push(...collectUnknownKeys(file));

  const problems: string[] = [];
  const deployments: Deployment[] = [];
  const firstIndexOfId = new Map<string, number>();
  (file.model_list ?? []).forEach((entry, index) => {
    const result = buildDeployment(entry, index, env);
    if (result.ok) {
      const { id } = result.deployment;
      const first = firstIndexOfId.get(id);
      if (first === undefined) firstIndexOfId.set(id, index);
      else if (entry.model_info?.id !== undefined) {
        problems.push(
          `model_list[${index}].model_info.id: "${id}" is already used by model_list[${first}]`,
        );
      } else {
        problems.push(
          `model_list[${index}]: same model_name and litellm_params as model_list[${first}]; give one of them a distinct model_info.id`,
        );
      }
      deployments.push(result.deployment);
    } else if (result.skip) warnings.push(result.warning);
    else problems.push(result.error);
  });

  const general = file.general_settings ?? {};
  const litellm = file.litellm_settings ?? {};
  const router = file.router_settings ?? {};
  const masterKey =
    general.master_key ?? (env.LITELLM_MASTER_KEY || env.TOLLGATE_MASTER_KEY || undefined);
  if (masterKey !== undefined && masterKey.trim() === '') {
    problems.push('general_settings.master_key: must not be empty');
  }
  const adminPortText = env.TOLLGATE_ADMIN_PORT;
  const adminPort =
    general.admin_port ??
    (adminPortText === undefined || adminPortText === '' ? undefined : Number(adminPortText));
  if (
    adminPort !== undefined &&
    (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535)
  ) {
    problems.push('TOLLGATE_ADMIN_PORT: must be a port number between 0 and 65535');
  }
  const disableAdminEndpoints = env.DISABLE_ADMIN_ENDPOINTS?.toLowerCase();
  const pollText = env.TOLLGATE_MODEL_POLL_SECONDS;
  const pollSeconds = pollText === undefined || pollText === '' ? 10 : Number(pollText);
  if (!Number.isFinite(pollSeconds) || pollSeconds <= 0) {
    problems.push(`TOLLGATE_MODEL_POLL_SECONDS: must be a positive number of seconds`);
  }
  const routerConfig = buildRouterConfig(router, litellm, problems);
  const internalUsers = buildInternalUserDefaults(litellm, problems);
  const keyGeneration = buildKeyGenerationPolicy(litellm, env, problems);
  const redis = buildRedisSettings(file, env, problems);
  const uiAuth = buildUiAuthSettings(env, masterKey, problems);
  const jwt = buildJwtAuthSettings(general.enable_jwt_auth, general.litellm_jwtauth, env, problems);
  const sso = buildSsoSettings(env, problems);
  const timeZone = budgetTimeZone(litellm.timezone, problems);
  const retention = buildSpendLogRetention(general, env, timeZone, problems);
  const traces = buildTraceSettings(litellm, env, warnings, problems);
  const guardrails = buildGuardrails(file.guardrails ?? [], { baseDir, env }, problems, warnings);
  for (const field of JWT_FIELDS_NOT_ACTED_ON) {
    if (general.litellm_jwtauth?.[field] !== undefined) {
      warnings.push(
        `general_settings.litellm_jwtauth.${field}: accepted but not acted on yet; ignored`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const databaseType = databaseTypeWarning(general.database_type);
  if (databaseType) warnings.push(databaseType);

  return {
    deployments,
    guardrails,
    alerts: alertSettings(general, env, warnings),
    cache: cacheSettings(file, redis, warnings),
    masterKey,
    databaseUrl:
      general.database_url ?? (env.DATABASE_URL || env.TOLLGATE_DATABASE_URL || undefined),
    keyHeaderName: general.litellm_key_header_name,
    customerHeaders: customerHeaders(general, warnings),
    enforcedParams: {
      all: general.enforced_params ?? [],
      serviceAccounts: general.service_account_settings?.enforced_params ?? [],
    },
    dropParams: litellm.drop_params ?? false,
    spendTagHeaders: {
      headers: litellm.extra_spend_tag_headers ?? [],
      userAgent: litellm.disable_add_user_agent_to_request_tags !== true,
    },
    maxRequestBytes: Math.round(
      (general.max_request_size_mb ?? DEFAULT_MAX_REQUEST_MB) * 1024 * 1024,
    ),
    router: routerConfig,
    internalUsers,
    saltKey: env.LITELLM_SALT_KEY || env.TOLLGATE_SALT_KEY || masterKey,
    modelPollMs: Math.round(pollSeconds * 1000),
    env,
    adminPort,
    adminHost: general.admin_host ?? (env.TOLLGATE_ADMIN_HOST || undefined),
    disableAdminRoutesOnPublicListener:
      general.disable_admin_routes_on_public_listener ??
      (disableAdminEndpoints === 'true' || disableAdminEndpoints === '1' ? true : undefined),
    keyGeneration,
    money: {
      budgetExceededStatus: general.budget_exceeded_status_code ?? 429,
      budgetWaitMs: secondsToMs(general.budget_wait_timeout),
      spendWriteIntervalMs: secondsToMs(general.proxy_batch_write_at),
      maxEndUserBudget: litellm.max_end_user_budget,
      budgetTimeZone: timeZone,
    },
    ...(traces && { traces }),
    spendLog: {
      disabled: general.disable_spend_logs === true,
      errorsDisabled: general.disable_error_logs === true,
      storePrompts: general.store_prompts_in_spend_logs === true,
      ...(retention && { retention }),
    },
    redis,
    uiAuth,
    jwtClaims: jwt.fields,
    jwtAuth: jwt.auth,
    sso,
    defaultTeamParams: litellm.default_team_params ?? undefined,
    hooks: {
      customKeyGenerate: general.custom_key_generate,
      customAuth: general.custom_auth,
      customAuthMode: general.custom_auth_settings?.mode ?? 'on',
    },
    warnings,
  };
}

/** `default_key_generate_params`, `upperbound_key_generate_params`, `key_generation_settings`. */
function buildKeyGenerationPolicy(
  litellm: LitellmSettings,
  env: Record<string, string | undefined>,
  problems: string[],
): KeyGenerationPolicy {
  const defaults = litellm.default_key_generate_params;
  const upperBounds = litellm.upperbound_key_generate_params;
  for (const [path, params] of [
    ['litellm_settings.default_key_generate_params', defaults],
    ['litellm_settings.upperbound_key_generate_params', upperBounds],
  ] as const) {
    for (const field of ['duration', 'budget_duration'] as const) {
      const text = params?.[field];
      if (text === undefined || text === '-1') continue;
      try {
        parseDuration(text);
      } catch (error: unknown) {
        problems.push(`${path}.${field}: ${(error as Error).message}`);
      }
    }
  }
  return {
    defaults,
    upperBounds,
    settings: litellm.key_generation_settings,
    // LiteLLM's get_secret_bool: "True" or "true".
    disableKeyName: env.DISABLE_KEY_NAME?.trim().toLowerCase() === 'true',
  };
}

/** `max_internal_user_budget`, `internal_user_budget_duration`, `default_internal_user_params`. */
function buildInternalUserDefaults(
  litellm: LitellmSettings,
  problems: string[],
): InternalUserDefaults {
  const params = litellm.default_internal_user_params ?? {};
  const durations = [
    ['litellm_settings.internal_user_budget_duration', litellm.internal_user_budget_duration],
    ['litellm_settings.default_internal_user_params.budget_duration', params.budget_duration],
  ] as const;
  for (const [path, text] of durations) {
    if (text === undefined) continue;
    try {
      parseDuration(text);
    } catch (error: unknown) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
  return {
    maxBudget: litellm.max_internal_user_budget,
    budgetDuration: litellm.internal_user_budget_duration,
    params,
  };
}

type RouterSettings = NonNullable<ConfigFile['router_settings']>;
type LitellmSettings = NonNullable<ConfigFile['litellm_settings']>;

function buildRouterConfig(
  router: RouterSettings,
  litellm: LitellmSettings,
  problems: string[],
): RouterConfig {
  const toMap = (list: Record<string, string[]>[] | undefined) => {
    const map = new Map<string, string[]>();
    for (const item of list ?? []) {
      for (const [group, targets] of Object.entries(item)) map.set(group, targets);
    }
    return map;
  };
  const aliases = new Map<string, AliasTarget>();
  for (const [alias, target] of Object.entries(router.model_group_alias ?? {})) {
    if (typeof target === 'string') aliases.set(alias, { model: target, hidden: false });
    else aliases.set(alias, { model: target.model, hidden: target.hidden ?? false });
  }
  const timeoutSec = router.timeout ?? litellm.request_timeout ?? 600;
  if (router.cooldown_time !== undefined && router.cooldown_time > 86_400) {
    problems.push('router_settings.cooldown_time: must be at most 86400 seconds');
  }
  return {
    strategy: router.routing_strategy ?? 'simple-shuffle',
    numRetries: router.num_retries ?? litellm.num_retries ?? 0,
    allowedFails: router.allowed_fails ?? 3,
    cooldownMs: (router.cooldown_time ?? 5) * 1000,
    minRetryMs: (router.retry_after ?? 0) * 1000,
    maxRetryAfterMs: 60_000,
    timeoutMs: timeoutSec * 1000,
    streamTimeoutMs: router.stream_timeout === undefined ? undefined : router.stream_timeout * 1000,
    fallbacks: toMap(router.fallbacks ?? litellm.fallbacks),
    contextWindowFallbacks: toMap(
      router.context_window_fallbacks ?? litellm.context_window_fallbacks,
    ),
    contentPolicyFallbacks: toMap(
      router.content_policy_fallbacks ?? litellm.content_policy_fallbacks,
    ),
    defaultFallbacks: router.default_fallbacks ?? litellm.default_fallbacks ?? [],
    modelGroupAlias: aliases,
    ...(router.enable_tag_filtering === true && {
      tagFiltering: { matchAny: router.tag_filtering_match_any ?? true },
    }),
    providerBudgets: providerBudgets(router.provider_budget_config ?? {}, problems),
  };
}

/**
 * `router_settings.provider_budget_config`, by provider prefix. A provider Tollgate does not know
 * (a typo would be a budget that never applies) or an entry without an amount refuses the start.
 */
function providerBudgets(
  config: NonNullable<RouterSettings['provider_budget_config']>,
  problems: string[],
): Map<string, RouteBudget> {
  const budgets = new Map<string, RouteBudget>();
  for (const [provider, entry] of Object.entries(config)) {
    const where = `router_settings.provider_budget_config.${provider}`;
    if (!isSupportedProvider(provider) && !isLitellmOnlyProvider(provider)) {
      const hint = suggestProvider(provider);
      problems.push(
        `${where}: unknown provider "${provider}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
      continue;
    }
    const maxBudget = entry.budget_limit ?? entry.max_budget;
    if (maxBudget === undefined) {
      problems.push(`${where}: budget_limit is required (USD per time_period)`);
      continue;
    }
    budgets.set(provider, {
      maxBudget,
      duration: entry.time_period ?? entry.budget_duration ?? null,
    });
  }
  return budgets;
}

/** Alert types Tollgate sends; LiteLLM's others are accepted with a warning. */
const ALERT_TYPES_SENT = ['budget_alerts'];

/**
 * `general_settings.alerting` with the URLs of LiteLLM's variables: `webhook` posts LiteLLM's
 * webhook events to WEBHOOK_URL, `slack` a message to SLACK_WEBHOOK_URL (or
 * ALERTING_WEBHOOK_URL). Budget alerts only; a destination without its URL is a warning.
 */
function alertSettings(
  general: { alerting?: string[]; alert_types?: string[] },
  env: Record<string, string | undefined>,
  warnings: string[],
): AlertSettings | undefined {
  const types = general.alert_types;
  for (const type of types ?? []) {
    if (!ALERT_TYPES_SENT.includes(type)) {
      warnings.push(
        `general_settings.alert_types: ${type} alerts are not sent by Tollgate; ignored`,
      );
    }
  }
  if (types !== undefined && !types.includes('budget_alerts')) return undefined;
  const alerts: AlertSettings = {};
  for (const destination of general.alerting ?? []) {
    if (destination === 'webhook') {
      if (env.WEBHOOK_URL) alerts.webhookUrl = env.WEBHOOK_URL;
      else
        warnings.push('general_settings.alerting: webhook needs WEBHOOK_URL; no alerts sent there');
    } else if (destination === 'slack') {
      const url = env.SLACK_WEBHOOK_URL || env.ALERTING_WEBHOOK_URL;
      if (url) alerts.slackUrl = url;
      else
        warnings.push(
          'general_settings.alerting: slack needs SLACK_WEBHOOK_URL; no alerts sent there',
        );
    } else {
      warnings.push(
        `general_settings.alerting: ${destination} is not supported by Tollgate yet; ignored`,
      );
    }
  }
  return alerts.webhookUrl || alerts.slackUrl ? alerts : undefined;
}

/**
 * The headers that name a call's customer: `user_header_mappings` entries with the role
 * `customer`, in order, then `user_header_name`. Other roles (LiteLLM's `internal_user`) are
 * not acted on: one warning each.
 */
function customerHeaders(
  general: Pick<z.infer<typeof GeneralSettingsSchema>, 'user_header_mappings' | 'user_header_name'>,
  warnings: string[],
): string[] {
  const headers: string[] = [];
  (general.user_header_mappings ?? []).forEach((mapping, i) => {
    if (mapping.litellm_user_role === 'customer') headers.push(mapping.header_name);
    else {
      warnings.push(
        `general_settings.user_header_mappings[${i}]: the role "${mapping.litellm_user_role}" ` +
          'is not acted on yet (only "customer" headers are read); ignored',
      );
    }
  });
  if (general.user_header_name) headers.push(general.user_header_name);
  return headers;
}

/**
 * What `general_settings.database_type` means here: LiteLLM's keys once could live in DynamoDB
 * (a beta of v1.16, later removed); Tollgate's live in SQLite or PostgreSQL whatever it says.
 */
function databaseTypeWarning(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const kind = type === 'dynamo_db' ? 'DynamoDB (LiteLLM v1.16 beta)' : `"${type}"`;
  return (
    `general_settings.database_type: ${kind} is not a store Tollgate uses; keys, users and ` +
    'spend are kept in the SQLite file (./tollgate.db by default) or in PostgreSQL ' +
    '(DATABASE_URL or general_settings.database_url); database_type and database_args are ignored'
  );
}

/** One warning per key that Tollgate does not act on, with its path. */
function collectUnknownKeys(file: ConfigFile): string[] {
  const warnings: string[] = [];
  const check = (
    value: object | null | undefined,
    schema: z.ZodObject,
    path: string,
    ignore: readonly string[] = [],
  ) => {
    if (!value) return;
    const known = new Set([...Object.keys(schema.shape), ...ignore]);
    for (const key of Object.keys(value)) {
      const where = path ? `${path}.${key}` : key;
      if (!known.has(key)) warnings.push(`${where}: not supported by Tollgate yet; ignored`);
      else if ((NOT_YET[path] ?? []).includes(key)) {
        warnings.push(`${where}: accepted but not acted on yet; ignored`);
      }
    }
  };
  check(file, ConfigFileSchema, '');
  check(file.general_settings, GeneralSettingsSchema, 'general_settings');
  check(file.litellm_settings, LitellmSettingsSchema, 'litellm_settings');
  check(file.router_settings, RouterSettingsSchema, 'router_settings');
  check(file.litellm_settings?.cache_params, CacheParamsSchema, 'litellm_settings.cache_params');
  check(
    file.litellm_settings?.default_key_generate_params,
    DefaultKeyGenerateParamsSchema,
    'litellm_settings.default_key_generate_params',
  );
  check(
    file.litellm_settings?.upperbound_key_generate_params,
    UpperboundKeyGenerateParamsSchema,
    'litellm_settings.upperbound_key_generate_params',
  );
  check(
    file.litellm_settings?.default_internal_user_params,
    DefaultInternalUserParamsSchema,
    'litellm_settings.default_internal_user_params',
  );
  (file.model_list ?? []).forEach((entry, i) => {
    check(entry, ModelEntrySchema, `model_list[${i}]`);
    check(entry.model_info, ModelInfoSchema, `model_list[${i}].model_info`, MODEL_INFO_EXTRAS);
  });
  return warnings;
}

/** model_info keys that describe the model (shown in /model/info) rather than configure it. */
const MODEL_INFO_EXTRAS = [
  'max_tokens',
  'max_input_tokens',
  'max_output_tokens',
  'input_cost_per_token',
  'output_cost_per_token',
  'input_cost_per_second',
  'output_cost_per_second',
  'output_cost_per_image',
  'input_cost_per_pixel',
  'input_cost_per_character',
  'input_cost_per_query',
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'litellm_provider',
  'supports_function_calling',
  'supports_vision',
  'supports_parallel_function_calling',
  'supports_response_schema',
  'supports_reasoning',
  'supports_prompt_caching',
  'supports_system_messages',
  'supports_tool_choice',
  'description',
  'team_id',
  'db_model',
  'tier',
];

/** `litellm_settings.timezone`, when Intl knows it as a time zone (as LiteLLM's ZoneInfo must). */
function budgetTimeZone(name: string | undefined, problems: string[]): string | undefined {
  if (name === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    problems.push(
      `litellm_settings.timezone: ${JSON.stringify(name)} is not an IANA time zone (such as "UTC" or "America/New_York")`,
    );
    return undefined;
  }
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
