/**
 * What a deployment's tokens cost: the config's own prices first (`litellm_params`, then
 * `model_info`), then the price table looked up by `model_info.base_model`, then by provider +
 * model. Prices are worked out once per deployment and model; pricing a call afterwards is a Map
 * lookup and a few multiplications.
 */
import type { Logger } from 'pino';
import type { Deployment } from '../contracts/deployment.js';
import type { Usage } from '../contracts/openai.js';
import {
  hasPriceTable,
  isSelfHosted,
  lookupTablePrices,
  type TableEntry,
  type TableRates,
} from './price-table.js';
import type { MediaUnits, Pricing, TokenPrices } from './types.js';

/** USD per token at one price tier. */
export interface TokenRates {
  inputPerToken: number;
  outputPerToken: number;
  cacheReadPerToken: number;
  cacheWritePerToken: number;
  /** Reasoning tokens, when the provider prices them apart from other output tokens. */
  reasoningPerToken: number;
  /** Prompt tokens of audio, when the provider prices them apart from text. */
  inputAudioPerToken: number;
  /** Prompt tokens of images, when the provider prices them apart from text. */
  inputImagePerToken: number;
}

/** The rates that apply once a call's prompt has more than `above` tokens (long-context tiers). */
export interface PriceTier extends TokenRates {
  above: number;
}

/** Where a deployment's prices come from. */
export type PriceSource = 'config' | 'table' | 'config+table' | 'self-hosted' | 'none';

export interface DeploymentPrices extends TokenPrices, TokenRates {
  /** Ascending by `above`; empty for flat prices. The top-level rates are the first tier's. */
  tiers: readonly PriceTier[];
  /** A fixed fee per call (Perplexity's request fees). */
  perRequest: number;
  /** The model's context window, from `model_info.max_input_tokens` or the table. */
  maxInputTokens?: number;
  source: PriceSource;
  /** `provider/model` of the table entry used, if any. */
  tableEntry?: string;
}

export interface PriceBook extends Pricing {
  pricesFor(deployment: Deployment): DeploymentPrices;
}

export interface PricingDeps {
  logger: Logger;
  now?: () => number;
}

interface CacheEntry {
  /** A deployment changed through the admin API gets a new `modelInfo`: then it is priced anew. */
  modelInfo: Deployment['modelInfo'];
  prices: DeploymentPrices;
  validUntil: number;
}

/**
 * Wildcard deployments (`openai/*`) take their model from the request: their cache is bounded so
 * that clients naming many models cannot grow it without end.
 */
const MODELS_PER_DEPLOYMENT = 512;

export function createPricing({ logger, now = Date.now }: PricingDeps): PriceBook {
  const cache = new Map<string, Map<string, CacheEntry>>();

  function pricesFor(deployment: Deployment): DeploymentPrices {
    let models = cache.get(deployment.id);
    const cached = models?.get(deployment.model);
    if (cached && cached.modelInfo === deployment.modelInfo) {
      if (cached.validUntil === Infinity || now() < cached.validUntil) return cached.prices;
    }
    const at = now();
    const { prices, validUntil } = priceDeployment(deployment, at);
    // Flagged once: when first priced, or when an admin change leaves it without a price.
    const newlyUnpriced = !prices.known && (!cached || cached.prices.known);
    if (newlyUnpriced && !deployment.model.includes('*')) {
      logger.warn(
        { deployment: deployment.id, model: `${deployment.provider}/${deployment.model}` },
        'no price known for this model: its calls cost 0 and budgets do not bind; set input_cost_per_token / output_cost_per_token (or model_info.base_model) in its litellm_params',
      );
    }
    if (!models) cache.set(deployment.id, (models = new Map()));
    if (!cached && models.size >= MODELS_PER_DEPLOYMENT) {
      const oldest = models.keys().next().value;
      if (oldest !== undefined) models.delete(oldest);
    }
    models.set(deployment.model, { modelInfo: deployment.modelInfo, prices, validUntil });
    return prices;
  }

  function costOf(
    deployment: Deployment,
    usage: Usage,
    durationMs: number,
    units?: MediaUnits,
  ): number {
    const prices = pricesFor(deployment);
    if (!prices.known) return 0;
    const prompt = usage.prompt_tokens || 0;
    const completion = usage.completion_tokens || 0;
    const rates = ratesAt(prices, prompt);
    // Usage is OpenAI-shaped for every provider: prompt_tokens includes the cache reads and the
    // cache writes; completion_tokens includes the reasoning tokens.
    const cacheRead =
      usage.cache_read_input_tokens ?? usage.prompt_tokens_details?.cached_tokens ?? 0;
    const cacheWrite = usage.cache_creation_input_tokens ?? 0;
    const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
    const audio = Math.min(prompt, countOf(usage.prompt_tokens_details?.audio_tokens));
    const image = Math.min(prompt - audio, countOf(usage.prompt_tokens_details?.image_tokens));
    const uncached = Math.max(0, prompt - cacheRead - cacheWrite - audio - image);
    const visibleOutput = Math.max(0, completion - reasoning);
    let cost =
      uncached * rates.inputPerToken +
      cacheRead * rates.cacheReadPerToken +
      cacheWrite * rates.cacheWritePerToken +
      visibleOutput * rates.outputPerToken +
      (completion - visibleOutput) * rates.reasoningPerToken +
      audio * rates.inputAudioPerToken +
      image * rates.inputImagePerToken +
      prices.perRequest;
    const audioSeconds = units?.audioSeconds;
    if (prices.inputPerSecond !== undefined || prices.outputPerSecond !== undefined) {
      // A transcription's per-second price is per second of audio, else of the call.
      const seconds = audioSeconds ?? Math.max(0, durationMs) / 1000;
      cost += seconds * ((prices.inputPerSecond ?? 0) + (prices.outputPerSecond ?? 0));
    } else if (audioSeconds !== undefined) {
      cost += audioSeconds * (prices.audioPerSecond ?? 0);
    }
    if (units) {
      cost += (units.images ?? 0) * (prices.outputPerImage ?? 0);
      cost += (units.pixels ?? 0) * (prices.inputPerPixel ?? 0);
      cost += (units.characters ?? 0) * (prices.inputPerCharacter ?? 0);
      cost += (units.queries ?? 0) * (prices.inputPerQuery ?? 0);
    }
    return cost;
  }

  return { pricesFor, costOf };
}

/** The rates of the tier a prompt of `promptTokens` tokens falls in (long-context prices). */
export function ratesAt(prices: DeploymentPrices, promptTokens: number): TokenRates {
  let rates: TokenRates = prices;
  for (const tier of prices.tiers) {
    if (promptTokens > tier.above) rates = tier;
    else break;
  }
  return rates;
}

/** Prices a deployment sets itself, `litellm_params` winning over `model_info`. */
interface ConfigPrices {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  inputPerSecond?: number;
  outputPerSecond?: number;
  perImage?: number;
  perPixel?: number;
  perCharacter?: number;
  perQuery?: number;
}

function configPrices(d: Deployment): ConfigPrices {
  const info = d.modelInfo;
  return {
    input: d.inputCostPerToken ?? numberOf(info.input_cost_per_token),
    output: d.outputCostPerToken ?? numberOf(info.output_cost_per_token),
    cacheRead: d.cacheReadInputTokenCost ?? numberOf(info.cache_read_input_token_cost),
    cacheWrite: d.cacheCreationInputTokenCost ?? numberOf(info.cache_creation_input_token_cost),
    inputPerSecond: d.inputCostPerSecond ?? numberOf(info.input_cost_per_second),
    outputPerSecond: d.outputCostPerSecond ?? numberOf(info.output_cost_per_second),
    perImage: d.outputCostPerImage ?? numberOf(info.output_cost_per_image),
    perPixel: d.inputCostPerPixel ?? numberOf(info.input_cost_per_pixel),
    perCharacter: d.inputCostPerCharacter ?? numberOf(info.input_cost_per_character),
    perQuery: d.inputCostPerQuery ?? numberOf(info.input_cost_per_query),
  };
}

function priceDeployment(
  d: Deployment,
  at: number,
): { prices: DeploymentPrices; validUntil: number } {
  const config = configPrices(d);
  const tokenConfigured =
    config.input !== undefined ||
    config.output !== undefined ||
    config.cacheRead !== undefined ||
    config.cacheWrite !== undefined;
  // Prices by the second, image or character replace the table's token prices, not add to them.
  const unitConfigured =
    config.inputPerSecond !== undefined ||
    config.outputPerSecond !== undefined ||
    config.perImage !== undefined ||
    config.perPixel !== undefined ||
    config.perCharacter !== undefined ||
    config.perQuery !== undefined;
  const table = findTableEntry(d, at);
  // A deployment priced by the second only is not also billed per token from the table.
  const useTable = table !== undefined && (tokenConfigured || !unitConfigured);
  const selfHosted = isSelfHosted(d.provider);
  const base = ratesWith(config, useTable ? table.base : {});
  const prices: DeploymentPrices = {
    ...base,
    tiers: useTable
      ? table.tiers.map((tier) => ({ above: tier.above, ...ratesWith(config, tier) }))
      : [],
    perRequest: useTable ? table.perRequest : 0,
    inputPerSecond: config.inputPerSecond,
    outputPerSecond: config.outputPerSecond,
    outputPerImage: config.perImage,
    inputPerPixel: config.perPixel,
    inputPerCharacter: config.perCharacter,
    inputPerQuery: config.perQuery,
    audioPerSecond: useTable ? table.audioPerSecond : undefined,
    maxOutputTokens: numberOf(d.modelInfo.max_output_tokens) ?? numberOf(d.modelInfo.max_tokens),
    maxInputTokens: numberOf(d.modelInfo.max_input_tokens) ?? table?.contextWindow,
    known: tokenConfigured || unitConfigured || useTable || selfHosted,
    source: sourceOf(tokenConfigured || unitConfigured, useTable, selfHosted),
    tableEntry: useTable ? table.key : undefined,
  };
  return { prices, validUntil: useTable ? table.validUntil : Infinity };
}

/** The config's prices over the table's, each kind on its own (LiteLLM merges them the same way). */
function ratesWith(config: ConfigPrices, table: TableRates): TokenRates {
  const input = config.input ?? table.input ?? 0;
  const output = config.output ?? table.output ?? 0;
  return {
    inputPerToken: input,
    outputPerToken: output,
    cacheReadPerToken: config.cacheRead ?? table.cacheRead ?? input,
    cacheWritePerToken: config.cacheWrite ?? table.cacheWrite ?? input,
    reasoningPerToken: config.output ?? table.reasoning ?? output,
    inputAudioPerToken: table.inputAudio ?? input,
    inputImagePerToken: table.inputImage ?? input,
  };
}

function sourceOf(configured: boolean, useTable: boolean, selfHosted: boolean): PriceSource {
  if (configured) return useTable ? 'config+table' : 'config';
  if (useTable) return 'table';
  return selfHosted ? 'self-hosted' : 'none';
}

/**
 * `model_info.base_model` first: Azure deployments carry names of the operator's choosing. It may
 * name its provider (`azure/gpt-4o`), else the deployment's provider is meant.
 */
function findTableEntry(d: Deployment, at: number): TableEntry | undefined {
  if (d.model.includes('*')) return undefined;
  const baseModel = d.modelInfo.base_model;
  if (typeof baseModel === 'string' && baseModel !== '') {
    const slash = baseModel.indexOf('/');
    const prefix = slash > 0 ? baseModel.slice(0, slash) : '';
    const found = hasPriceTable(prefix)
      ? lookupTablePrices(prefix, baseModel.slice(slash + 1), at)
      : lookupTablePrices(d.provider, baseModel, at);
    if (found) return found;
  }
  return lookupTablePrices(d.provider, d.model, at);
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
