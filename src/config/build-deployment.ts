/** Turns one `model_list` entry into a Deployment, or explains why it cannot be one. */
import { createHash } from 'node:crypto';
import type { Deployment } from '../contracts/deployment.js';
import type { ModelEntry } from './schema.js';
import { own } from '../util/own.js';
import {
  inferProvider,
  isLitellmOnlyProvider,
  isSupportedProvider,
  suggestProvider,
} from './providers-list.js';

/** `litellm_params` keys that configure the connection rather than the request body. */
const CONNECTION_KEYS = new Set([
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_region_name',
  'aws_bedrock_runtime_endpoint',
  'aws_profile_name',
  'aws_role_name',
  'aws_session_name',
  'aws_sts_endpoint',
  // Azure: Entra ID instead of an api-key (src/providers/azure/entra-token.ts).
  'tenant_id',
  'client_id',
  'client_secret',
  'azure_ad_token',
  'azure_authority_host',
  'azure_scope',
  'azure_username',
  'azure_password',
  // Vertex AI: the project, region and credentials (src/providers/vertex/).
  'vertex_project',
  'vertex_location',
  'vertex_credentials',
  'mock_response',
  'mock_latency_ms',
  'mock_chunk_delay_ms',
  'keep_alive',
]);

/** `litellm_params` keys LiteLLM uses itself and never sends upstream. */
const INTERNAL_KEYS = new Set([
  'model',
  'custom_llm_provider',
  'api_base',
  'base_url',
  'api_key',
  'api_version',
  'organization',
  'rpm',
  'tpm',
  'weight',
  'timeout',
  'stream_timeout',
  'max_retries',
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
  'extra_headers',
  'headers',
  'drop_params',
  'use_in_pass_through',
  'merge_reasoning_content_in_choices',
  'litellm_credential_name',
  'tags',
  'region_name',
  'budget_duration',
  'max_budget',
]);

/** The env variables LiteLLM reads when a deployment gives no `api_key` / `api_base`. */
const ENV_KEY_NAMES: Record<string, { key?: string; base?: string }> = {
  openai: { key: 'OPENAI_API_KEY', base: 'OPENAI_API_BASE' },
  'text-completion-openai': { key: 'OPENAI_API_KEY', base: 'OPENAI_API_BASE' },
  azure: { key: 'AZURE_API_KEY', base: 'AZURE_API_BASE' },
  anthropic: { key: 'ANTHROPIC_API_KEY', base: 'ANTHROPIC_API_BASE' },
  gemini: { key: 'GEMINI_API_KEY' },
  ollama: { base: 'OLLAMA_API_BASE' },
  ollama_chat: { base: 'OLLAMA_API_BASE' },
  hosted_vllm: { key: 'HOSTED_VLLM_API_KEY', base: 'HOSTED_VLLM_API_BASE' },
  openrouter: { key: 'OPENROUTER_API_KEY', base: 'OPENROUTER_API_BASE' },
  groq: { key: 'GROQ_API_KEY', base: 'GROQ_API_BASE' },
  together_ai: { key: 'TOGETHERAI_API_KEY' },
  deepseek: { key: 'DEEPSEEK_API_KEY', base: 'DEEPSEEK_API_BASE' },
  mistral: { key: 'MISTRAL_API_KEY', base: 'MISTRAL_API_BASE' },
  fireworks_ai: { key: 'FIREWORKS_AI_API_KEY', base: 'FIREWORKS_AI_API_BASE' },
  xai: { key: 'XAI_API_KEY', base: 'XAI_API_BASE' },
  perplexity: { key: 'PERPLEXITYAI_API_KEY' },
  lm_studio: { key: 'LM_STUDIO_API_KEY', base: 'LM_STUDIO_API_BASE' },
  cerebras: { key: 'CEREBRAS_API_KEY' },
  cohere: { key: 'COHERE_API_KEY' },
  jina_ai: { key: 'JINA_AI_API_KEY' },
  voyage: { key: 'VOYAGE_API_KEY' },
  infinity: { key: 'INFINITY_API_KEY', base: 'INFINITY_API_BASE' },
  nvidia_nim: { key: 'NVIDIA_NIM_API_KEY', base: 'NVIDIA_NIM_API_BASE' },
  sambanova: { key: 'SAMBANOVA_API_KEY' },
  azure_ai: { key: 'AZURE_AI_API_KEY', base: 'AZURE_AI_API_BASE' },
  github: { key: 'GITHUB_API_KEY', base: 'GITHUB_API_BASE' },
  litellm_proxy: { key: 'LITELLM_PROXY_API_KEY', base: 'LITELLM_PROXY_API_BASE' },
  codestral: { key: 'CODESTRAL_API_KEY', base: 'CODESTRAL_API_BASE' },
  friendliai: { key: 'FRIENDLIAI_API_KEY', base: 'FRIENDLI_API_BASE' },
  meta_llama: { key: 'LLAMA_API_KEY', base: 'LLAMA_API_BASE' },
  volcengine: { key: 'VOLCENGINE_API_KEY', base: 'VOLCENGINE_API_BASE' },
  ai21_chat: { key: 'AI21_API_KEY', base: 'AI21_API_BASE' },
  anyscale: { key: 'ANYSCALE_API_KEY', base: 'ANYSCALE_API_BASE' },
  deepinfra: { key: 'DEEPINFRA_API_KEY', base: 'DEEPINFRA_API_BASE' },
  moonshot: { key: 'MOONSHOT_API_KEY', base: 'MOONSHOT_API_BASE' },
  dashscope: { key: 'DASHSCOPE_API_KEY', base: 'DASHSCOPE_API_BASE' },
  llamafile: { key: 'LLAMAFILE_API_KEY', base: 'LLAMAFILE_API_BASE' },
};

/** LiteLLM prefixes that name a provider Tollgate has under another name. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  // LiteLLM's Converse route of Bedrock: Tollgate's Bedrock adapter speaks Converse.
  bedrock_converse: 'bedrock',
  // Cohere's chat: through its OpenAI-compatible API, as `cohere/`.
  cohere_chat: 'cohere',
};

const AWS_ENV_KEYS = [
  ['aws_access_key_id', 'AWS_ACCESS_KEY_ID'],
  ['aws_secret_access_key', 'AWS_SECRET_ACCESS_KEY'],
  ['aws_session_token', 'AWS_SESSION_TOKEN'],
  ['aws_region_name', 'AWS_REGION_NAME'],
] as const;

/** Vertex AI's settings and the variables LiteLLM (and Google's libraries) read for them. */
const VERTEX_ENV_KEYS = [
  ['vertex_project', 'VERTEXAI_PROJECT'],
  ['vertex_location', 'VERTEXAI_LOCATION'],
  ['vertex_credentials', 'VERTEXAI_CREDENTIALS'],
  ['google_application_credentials', 'GOOGLE_APPLICATION_CREDENTIALS'],
  ['gce_metadata_host', 'GCE_METADATA_HOST'],
] as const;

/** The variables Azure's identity libraries read, as an Azure deployment's ambient credentials. */
function azureIdentityEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  const pairs = [
    ['tenantId', 'AZURE_TENANT_ID'],
    ['clientId', 'AZURE_CLIENT_ID'],
    ['clientSecret', 'AZURE_CLIENT_SECRET'],
    ['federatedTokenFile', 'AZURE_FEDERATED_TOKEN_FILE'],
    ['authorityHost', 'AZURE_AUTHORITY_HOST'],
    ['identityEndpoint', 'IDENTITY_ENDPOINT'],
    ['identityHeader', 'IDENTITY_HEADER'],
    ['imdsHost', 'AZURE_POD_IDENTITY_AUTHORITY_HOST'],
  ] as const;
  for (const [field, variable] of pairs) {
    const value = env[variable];
    if (value) out[field] = value;
  }
  return out;
}

export type DeploymentResult =
  | { ok: true; deployment: Deployment }
  | { ok: false; skip: true; warning: string }
  | { ok: false; skip: false; error: string };

export function buildDeployment(
  entry: ModelEntry,
  index: number,
  env: Readonly<Record<string, string | undefined>>,
): DeploymentResult {
  const params = entry.litellm_params;
  const path = `model_list[${index}].litellm_params.model`;
  const split = splitProviderModel(params.model, params.custom_llm_provider);
  if (!split) {
    return {
      ok: false,
      skip: false,
      error: `${path}: cannot tell the provider of "${params.model}"; write it as "<provider>/${params.model}", for example "openai/${params.model}"`,
    };
  }
  const { model } = split;
  const provider = own(PROVIDER_ALIASES, split.provider) ?? split.provider;
  if (!isSupportedProvider(provider)) {
    if (isLitellmOnlyProvider(provider)) {
      return {
        ok: false,
        skip: true,
        warning: `${path}: provider "${provider}" is not supported by Tollgate yet; model "${entry.model_name}" is skipped`,
      };
    }
    const hint = suggestProvider(provider);
    return {
      ok: false,
      skip: false,
      error: `${path}: unknown provider "${provider}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
    };
  }

  const connection: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (CONNECTION_KEYS.has(key)) connection[key] = value;
    else if (!INTERNAL_KEYS.has(key)) defaults[key] = value;
  }
  if (provider === 'bedrock') {
    for (const [param, variable] of AWS_ENV_KEYS) {
      if (connection[param] === undefined && env[variable] !== undefined) {
        connection[param] = env[variable];
      }
    }
    if (connection.aws_region_name === undefined) {
      connection.aws_region_name = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    }
  }

  if (provider === 'vertex_ai' || provider === 'vertex_ai_beta') {
    for (const [param, variable] of VERTEX_ENV_KEYS) {
      if (connection[param] === undefined && env[variable]) connection[param] = env[variable];
    }
  }

  // Without credentials of its own, an Azure deployment uses the identity of where the gateway
  // runs (src/providers/azure/entra-token.ts).
  if (
    provider === 'azure' &&
    !params.api_key &&
    !env.AZURE_API_KEY &&
    ['tenant_id', 'client_id', 'client_secret', 'azure_ad_token'].every(
      (name) => connection[name] === undefined,
    )
  ) {
    connection.azure_identity = azureIdentityEnv(env);
  }

  if (provider === 'azure' && connection.azure_authority_host === undefined) {
    connection.azure_authority_host = env.AZURE_AUTHORITY_HOST;
  }

  const envNames = ENV_KEY_NAMES[provider];
  const info = entry.model_info ?? {};
  const deployment: Deployment = {
    id: info.id !== undefined ? String(info.id) : stableId(entry),
    modelName: entry.model_name,
    provider,
    model,
    apiBase:
      params.api_base ?? params.base_url ?? (envNames?.base ? env[envNames.base] : undefined),
    apiKey: params.api_key ?? (envNames?.key ? env[envNames.key] : undefined),
    apiVersion: params.api_version ?? (provider === 'azure' ? env.AZURE_API_VERSION : undefined),
    organization: params.organization,
    headers: { ...params.headers, ...params.extra_headers },
    connection,
    defaults,
    rpm: params.rpm,
    tpm: params.tpm,
    weight: params.weight,
    ...(Array.isArray(params.tags) && {
      tags: params.tags.filter((t): t is string => typeof t === 'string'),
    }),
    dropParams: typeof params.drop_params === 'boolean' ? params.drop_params : undefined,
    timeoutMs: params.timeout === undefined ? undefined : params.timeout * 1000,
    streamTimeoutMs: params.stream_timeout === undefined ? undefined : params.stream_timeout * 1000,
    maxRetries: params.max_retries,
    inputCostPerToken: params.input_cost_per_token,
    outputCostPerToken: params.output_cost_per_token,
    inputCostPerSecond: params.input_cost_per_second,
    outputCostPerSecond: params.output_cost_per_second,
    outputCostPerImage: params.output_cost_per_image,
    inputCostPerPixel: params.input_cost_per_pixel,
    inputCostPerCharacter: params.input_cost_per_character,
    inputCostPerQuery: params.input_cost_per_query,
    cacheReadInputTokenCost: params.cache_read_input_token_cost,
    cacheCreationInputTokenCost: params.cache_creation_input_token_cost,
    modelInfo: {
      ...info,
      id: info.id !== undefined ? String(info.id) : stableId(entry),
      access_groups: info.access_groups ?? [],
    },
    ...(params.max_budget !== undefined && {
      budget: { maxBudget: params.max_budget, duration: params.budget_duration ?? null },
    }),
  };
  return { ok: true, deployment };
}

function splitProviderModel(
  raw: string,
  customProvider: string | undefined,
): { provider: string; model: string } | undefined {
  if (customProvider) return { provider: customProvider, model: raw };
  const slash = raw.indexOf('/');
  if (slash > 0) return { provider: raw.slice(0, slash), model: raw.slice(slash + 1) };
  const inferred = inferProvider(raw);
  return inferred ? { provider: inferred, model: raw } : undefined;
}

/** LiteLLM gives config deployments an id derived from their settings; so do we. */
function stableId(entry: ModelEntry): string {
  return createHash('sha256')
    .update(JSON.stringify({ model_name: entry.model_name, litellm_params: entry.litellm_params }))
    .digest('hex')
    .slice(0, 32);
}
