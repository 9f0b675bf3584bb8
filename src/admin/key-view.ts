/**
 * Keys as the API shows them. `/key/info` never includes the hash; lists and admin responses
 * carry it as the key's id; only `/key/generate` and `/key/regenerate` ever show a raw key.
 */
import { modelBudgetFor } from '../spend/model-budgets.js';
import type { KeyModelSpend, KeyRecord } from '../store/key-repository.js';
import { withCurrentSpend, type SpendTime } from './current-spend.js';

/** Fields LiteLLM's rows have that Tollgate does not track (yet), with their empty values. */
const LITELLM_EXTRAS = {
  allowed_cache_controls: [],
  model_spend: {},
  litellm_budget_table: null,
} as const;

/** The key at `at`: the spend of its current budget window. */
export function keyInfo(record: KeyRecord, at: SpendTime): Record<string, unknown> {
  const { token: _token, ...rest } = withCurrentSpend(record, at);
  return { ...rest, ...LITELLM_EXTRAS };
}

export function keyObject(record: KeyRecord, at: SpendTime): Record<string, unknown> {
  return { token: record.token, ...keyInfo(record, at) };
}

/** The one response that holds the raw key: GenerateKeyResponse. */
export function generatedKey(
  record: KeyRecord,
  raw: string,
  duration: string | null | undefined,
  at: SpendTime,
): Record<string, unknown> {
  return {
    ...keyInfo(record, at),
    key: raw,
    token: record.token,
    token_id: record.token,
    duration: duration ?? null,
  };
}

/** What a `model_max_budget` entry's spend is in its current window, as `/key/info` shows it. */
export interface ModelBudgetUsage {
  current_spend: number;
  budget_limit: number | null;
  time_period: string | null;
}

/**
 * Each usable `model_max_budget` entry of a key with the spend of its current window (0 once
 * the stored window has passed), from the key's per-model spend rows.
 */
export function modelMaxBudgetUsage(
  record: KeyRecord,
  rows: readonly KeyModelSpend[],
  { now, calendar }: SpendTime,
): Record<string, ModelBudgetUsage> {
  const usage: Record<string, ModelBudgetUsage> = {};
  for (const name of Object.keys(record.model_max_budget)) {
    const entry = modelBudgetFor(record.model_max_budget, name);
    if (entry?.model !== name) continue;
    const period = entry.followsKey ? record.budget_duration : entry.duration;
    const row = rows.find((r) => r.model === name);
    // A row of a window that has passed, or kept while the entry had no period (or had one), is
    // not this window's spend: the next booking starts the window over, as the meter counts it.
    const current =
      row !== undefined &&
      (row.budget_reset_at !== null) === Boolean(period) &&
      !calendar.window(row.budget_reset_at, period, now).rolled;
    usage[name] = {
      current_spend: current ? row.spend : 0,
      budget_limit: entry.maxBudget,
      time_period: period ?? null,
    };
  }
  return usage;
}
