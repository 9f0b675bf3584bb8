/**
 * A key's `model_max_budget`: a budget (and optionally rpm / tpm limits) per model, in LiteLLM's
 * shape, `{"gpt-4o": {"budget_limit": 0.5, "time_period": "1d"}}` (`max_budget` and
 * `budget_duration` are accepted for the same two fields, as LiteLLM's BudgetConfig does).
 *
 * A request is held to the entry of the model it names, or, when there is none, of that name
 * without its provider prefix (`openai/gpt-4o` is governed by a `gpt-4o` entry), as LiteLLM looks
 * them up. Spend counts in windows of `time_period`; an entry without one is a budget that never
 * resets (LiteLLM skips such an entry; see docs/compatibility.md).
 *
 * An entry may also be a plain amount, `{"gpt-4o": 10}`, as older LiteLLM versions and the
 * Kubernetes VirtualKey resource (`modelMaxBudget`, dollars as strings) write it: a budget that
 * resets with the key's own `budget_duration`.
 */
import { DurationError, parseDuration } from '../util/duration.js';

/** One usable entry of a `model_max_budget`. */
export interface ModelBudget {
  /** The entry's name as the admin wrote it: the model its spend is counted under. */
  model: string;
  maxBudget: number | null;
  /** `time_period`; `null` when the budget never resets. */
  duration: string | null;
  /** A plain amount: its windows are the key's own (`budget_duration`, `budget_reset_at`). */
  followsKey: boolean;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

const EXAMPLE = 'Example of valid model_max_budget: https://docs.litellm.ai/docs/proxy/users';

/**
 * What is wrong with a `model_max_budget` sent to the admin API, in LiteLLM's words, or
 * `undefined` when every entry is usable.
 */
export function modelMaxBudgetError(table: Record<string, unknown>): string | undefined {
  for (const [model, raw] of Object.entries(table)) {
    const problem = entryProblem(raw);
    if (problem) return `Invalid model_max_budget: ${model}: ${problem}. ${EXAMPLE}`;
  }
  return undefined;
}

/**
 * The entry that governs a request for `model`, or `undefined`. Entries that are not usable
 * (stored before validation, or imported) are skipped, as LiteLLM skips them.
 */
export function modelBudgetFor(
  table: Readonly<Record<string, unknown>>,
  model: string,
): ModelBudget | undefined {
  const slash = model.lastIndexOf('/');
  const candidates = slash < 0 ? [model] : [model, model.slice(slash + 1)];
  for (const candidate of candidates) {
    if (!Object.hasOwn(table, candidate)) continue;
    const budget = readEntry(candidate, table[candidate]);
    if (budget) return budget;
  }
  return undefined;
}

function readEntry(model: string, raw: unknown): ModelBudget | undefined {
  if (entryProblem(raw) !== undefined) return undefined;
  if (typeof raw !== 'object') {
    const amount = numberOf(raw)!;
    return {
      model,
      maxBudget: amount,
      duration: null,
      followsKey: true,
      rpmLimit: null,
      tpmLimit: null,
    };
  }
  const entry = raw as Record<string, unknown>;
  const maxBudget = numberOf(entry.budget_limit ?? entry.max_budget);
  const duration = textOf(entry.time_period ?? entry.budget_duration);
  return {
    model,
    maxBudget: maxBudget ?? null,
    duration: duration !== undefined && parseDuration(duration) !== null ? duration : null,
    followsKey: false,
    rpmLimit: limitOf(entry.rpm_limit),
    tpmLimit: limitOf(entry.tpm_limit),
  };
}

function entryProblem(raw: unknown): string | undefined {
  if (typeof raw === 'number' || typeof raw === 'string') {
    const amount = numberOf(raw);
    if (amount === undefined) return `a budget must be a number, got ${JSON.stringify(raw)}`;
    return amount < 0 ? `a budget cannot be negative, got ${amount}` : undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return 'each entry must be an amount or an object like {"budget_limit": 10, "time_period": "1d"}';
  }
  const entry = raw as Record<string, unknown>;
  const budget = entry.budget_limit ?? entry.max_budget;
  if (budget != null) {
    const value = numberOf(budget);
    if (value === undefined) return `budget_limit must be a number, got ${JSON.stringify(budget)}`;
    if (value < 0) return `budget_limit cannot be negative, got ${value}`;
  }
  const period = entry.time_period ?? entry.budget_duration;
  if (period != null) {
    if (typeof period !== 'string') return 'time_period must be a duration such as "1d" or "30m"';
    try {
      parseDuration(period);
    } catch (error: unknown) {
      if (error instanceof DurationError) return `time_period: ${error.message}`;
      throw error;
    }
  }
  for (const field of ['rpm_limit', 'tpm_limit'] as const) {
    const value = entry[field];
    if (value != null && limitOf(value) === null) {
      return `${field} must be a whole number of at least 0, got ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** A budget as a finite number; LiteLLM's admin routes also take it as a numeric string. */
function numberOf(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : undefined;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function limitOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}
