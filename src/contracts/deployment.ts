/** One upstream deployment of a model group, resolved from a `model_list` entry of the config. */
export interface ModelInfo {
  id: string;
  access_groups: string[];
  mode?: string;
  base_model?: string;
  [k: string]: unknown;
}

export interface Deployment {
  /** `model_info.id`, or a stable hash of the entry when the config gives none. */
  id: string;
  /** The public model group name (`model_name`); may contain a `*` wildcard. */
  modelName: string;
  /** Provider key as written in the config prefix (`openai`, `groq`, `azure`, ...). */
  provider: string;
  /** The model name the provider knows (the part after `provider/`); `*` for wildcard routes. */
  model: string;
  apiBase?: string;
  apiKey?: string;
  apiVersion?: string;
  organization?: string;
  /** Extra HTTP headers sent upstream (`extra_headers` / `headers`). */
  headers: Record<string, string>;
  /** Provider connection settings (AWS credentials and region, mock latency, ...). */
  connection: Record<string, unknown>;
  /** Other `litellm_params` (temperature, max_tokens, ...): request defaults the client may override. */
  defaults: Record<string, unknown>;
  rpm?: number;
  tpm?: number;
  /** `weight` for simple-shuffle; unset when the config gives none. */
  weight?: number;
  /** `litellm_params.tags`: the request tags it serves under `enable_tag_filtering`. */
  tags?: readonly string[];
  /** `litellm_params.drop_params`: drop parameters this provider does not support. */
  dropParams?: boolean;
  timeoutMs?: number;
  streamTimeoutMs?: number;
  maxRetries?: number;
  inputCostPerToken?: number;
  outputCostPerToken?: number;
  inputCostPerSecond?: number;
  outputCostPerSecond?: number;
  /** `output_cost_per_image` / `input_cost_per_pixel`: image generation prices (LiteLLM's names). */
  outputCostPerImage?: number;
  inputCostPerPixel?: number;
  /** `input_cost_per_character`: the price of speech (tts-1) by character of its input. */
  inputCostPerCharacter?: number;
  /** `input_cost_per_query`: the price of a rerank search (Cohere's search unit). */
  inputCostPerQuery?: number;
  /** `cache_read_input_token_cost` / `cache_creation_input_token_cost`: prompt-cache prices. */
  cacheReadInputTokenCost?: number;
  cacheCreationInputTokenCost?: number;
  modelInfo: ModelInfo;
  /** `litellm_params.max_budget` / `budget_duration`: routing skips it once this is spent. */
  budget?: RouteBudget;
}

/**
 * A budget routing keeps to (a deployment's, or a provider's in `provider_budget_config`): once
 * its window's spend reaches `maxBudget`, the router sends calls to other deployments.
 */
export interface RouteBudget {
  maxBudget: number;
  /** `budget_duration` / `time_period`; `null` for a budget that never resets. */
  duration: string | null;
}
