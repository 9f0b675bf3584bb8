/**
 * The maintained price table (`@pydantic/genai-prices`), read once per model: finds the entry of a
 * Tollgate provider + model and turns its per-million prices, tiers and dated price changes into
 * per-token USD rates and the moment they stop being valid.
 */
import { calcPrice, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';

/** USD per token of one price tier. `undefined`: the table has no price of that kind. */
export interface TableRates {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
  /** Prompt tokens of audio (gpt-4o-transcribe, audio chat models). */
  inputAudio?: number;
  /** Prompt tokens of images, where priced apart from text (gpt-image-1's edits). */
  inputImage?: number;
}

/** Rates that apply to the whole call once its prompt has more than `above` tokens. */
export interface TableTier extends TableRates {
  above: number;
}

export interface TableEntry {
  /** `provider/model` of the table entry, for logs and /model/info. */
  key: string;
  base: TableRates;
  /** Ascending by `above`; empty for flat prices. */
  tiers: TableTier[];
  /** A fixed fee per call (Perplexity's request fees). */
  perRequest: number;
  /** USD per second of audio transcribed (whisper-1's hourly price). */
  audioPerSecond?: number;
  contextWindow?: number;
  /** Epoch ms at which a dated or time-of-day price change makes this entry stale. */
  validUntil: number;
}

/**
 * Tollgate provider keys → the table's provider ids. Providers absent here have no table entry:
 * their deployments are unpriced unless the config prices them.
 */
const TABLE_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  'text-completion-openai': 'openai',
  azure: 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  vertex_ai: 'google',
  vertex_ai_beta: 'google',
  bedrock: 'aws',
  groq: 'groq',
  mistral: 'mistral',
  deepseek: 'deepseek',
  xai: 'x-ai',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  openrouter: 'openrouter',
  perplexity: 'perplexity',
  cerebras: 'cerebras',
  cohere: 'cohere',
  // Azure AI Foundry serves OpenAI's models among others: those are priced as on Azure.
  azure_ai: 'azure',
  codestral: 'mistral',
};

/** Models served by the operator's own hardware: no per-token bill, so a known price of 0. */
const SELF_HOSTED = new Set([
  'ollama',
  'ollama_chat',
  'hosted_vllm',
  'lm_studio',
  'infinity',
  'llamafile',
]);

export function isSelfHosted(provider: string): boolean {
  return SELF_HOSTED.has(provider);
}

export function hasPriceTable(provider: string): boolean {
  return TABLE_PROVIDERS[provider] !== undefined;
}

const PER_MILLION = 1e-6;

/** The table entry of `model` at provider `provider`, with the prices in force at `at` (epoch ms). */
export function lookupTablePrices(
  provider: string,
  model: string,
  at: number,
): TableEntry | undefined {
  const providerId = TABLE_PROVIDERS[provider];
  if (!providerId) return undefined;
  let result: ReturnType<typeof calcPrice>;
  try {
    result = calcPrice({}, tableModelId(provider, model), { providerId, timestamp: new Date(at) });
  } catch {
    // An entry the library cannot read is no price at all: the caller flags the model as unpriced.
    return undefined;
  }
  if (!result) return undefined;
  const prices = result.model_price;
  const { base, tiers } = ratesOf(prices);
  const requests = flatPrice(prices.requests_kcount);
  return {
    key: `${result.provider.id}/${result.model.id}`,
    base,
    tiers,
    perRequest: requests === undefined ? 0 : requests / 1000,
    audioPerSecond: perSecond(flatPrice(prices.input_audio_hours ?? prices.audio_hours)),
    contextWindow: result.model.context_window,
    validUntil: nextPriceChange(result.model, at),
  };
}

/** Bedrock may be addressed by an inference-profile ARN; the table knows the model id at its end. */
function tableModelId(provider: string, model: string): string {
  if (provider === 'bedrock' && model.startsWith('arn:')) {
    return model.slice(model.lastIndexOf('/') + 1);
  }
  return model;
}

type PriceValue = ModelPrice[string];

function ratesOf(prices: ModelPrice): { base: TableRates; tiers: TableTier[] } {
  const kinds: [keyof TableRates, PriceValue][] = [
    ['input', prices.input_mtok],
    ['output', prices.output_mtok],
    ['cacheRead', prices.cache_read_mtok],
    ['cacheWrite', prices.cache_write_mtok],
    ['reasoning', prices.output_reasoning_mtok],
    ['inputAudio', prices.input_audio_mtok],
    ['inputImage', prices.input_image_mtok],
  ];
  const base: TableRates = {};
  const starts = new Set<number>();
  for (const [kind, value] of kinds) {
    const rate = rateAt(value, 0);
    if (rate !== undefined) base[kind] = rate;
    if (typeof value === 'object') for (const tier of value.tiers) starts.add(tier.start);
  }
  // The table prices a whole call at the tier its prompt reaches (every price kind switches on
  // the prompt's token count), so one tier row per threshold holds every kind's rate there.
  const tiers = [...starts]
    .sort((a, b) => a - b)
    .map((above) => {
      const tier: TableTier = { above };
      for (const [kind, value] of kinds) {
        const rate = rateAt(value, above + 1);
        if (rate !== undefined) tier[kind] = rate;
      }
      return tier;
    });
  return { base, tiers };
}

/** USD per token of one price kind for a prompt of `promptTokens` tokens. */
function rateAt(value: PriceValue, promptTokens: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value * PER_MILLION;
  let price = value.base;
  for (const tier of value.tiers) if (promptTokens > tier.start) price = tier.price;
  return price * PER_MILLION;
}

function perSecond(hourly: number | undefined): number | undefined {
  return hourly === undefined ? undefined : hourly / 3600;
}

function flatPrice(value: PriceValue): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : value.base;
}

const DAY_MS = 86_400_000;

/**
 * When the prices picked for `at` may stop applying: the next dated price change after `at`, or
 * the next edge of a time-of-day window (off-peak discounts). Infinity for unconditional prices.
 */
export function nextPriceChange(model: ModelInfo, at: number): number {
  if (!Array.isArray(model.prices)) return Infinity;
  let next = Infinity;
  for (const { constraint } of model.prices) {
    if (!constraint) continue;
    if (constraint.type === 'start_date') {
      const start = Date.parse(`${constraint.start_date}T00:00:00Z`);
      if (start > at) next = Math.min(next, start);
    } else {
      for (const edge of [constraint.start_time, constraint.end_time]) {
        const offset = msOfDay(edge);
        if (offset === undefined) continue;
        const today = at - (at % DAY_MS) + offset;
        next = Math.min(next, today > at ? today : today + DAY_MS);
      }
    }
  }
  return next;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → milliseconds after UTC midnight. */
function msOfDay(time: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!m) return undefined;
  const local = (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000;
  const zone = m[4] === 'Z' ? 0 : (Number(m[6]) * 60 + Number(m[7])) * 60_000;
  const utc = m[5] === '-' ? local + zone : local - zone;
  return ((utc % DAY_MS) + DAY_MS) % DAY_MS;
}
