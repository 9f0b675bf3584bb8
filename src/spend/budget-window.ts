/**
 * Budget windows without a reset job: a scope's spend counts toward the window that ends at
 * `budget_reset_at`; once that instant passes, the next window starts at it, and the one after
 * that, until the window holding `now` is found. Every replica computes the same window from the
 * same stored row, so counters keyed by window end agree without coordination.
 */
import { addDuration, parseDuration } from '../util/duration.js';

export interface BudgetWindow {
  /** Epoch ms at which the current window ends; `null` when the budget never resets. */
  resetAt: number | null;
  /** True when the stored `budget_reset_at` has passed: the stored spend belongs to an old window. */
  rolled: boolean;
}

/** The window holding `now`, from the stored `budget_reset_at` (ISO) and `budget_duration`. */
export function currentWindow(
  storedResetAt: string | null | undefined,
  budgetDuration: string | null | undefined,
  now: number,
): BudgetWindow {
  if (!storedResetAt) return { resetAt: null, rolled: false };
  let resetAt = Date.parse(storedResetAt);
  if (Number.isNaN(resetAt)) return { resetAt: null, rolled: false };
  if (resetAt > now) return { resetAt, rolled: false };
  const duration = budgetDuration ? safeParse(budgetDuration) : null;
  if (!duration) return { resetAt: null, rolled: true };
  if (duration.unit !== 'mo') {
    const length = addDuration(0, duration);
    if (length <= 0) return { resetAt: null, rolled: true };
    resetAt += (Math.floor((now - resetAt) / length) + 1) * length;
    return { resetAt, rolled: true };
  }
  while (resetAt <= now) resetAt = addDuration(resetAt, duration);
  return { resetAt, rolled: true };
}

/** The spend that counts now: the stored spend, or 0 when its window has passed. */
export function effectiveSpend(
  spend: number,
  storedResetAt: string | null | undefined,
  budgetDuration: string | null | undefined,
  now: number,
): number {
  return currentWindow(storedResetAt, budgetDuration, now).rolled ? 0 : spend;
}

function safeParse(text: string): ReturnType<typeof parseDuration> {
  try {
    return parseDuration(text);
  } catch {
    return null;
  }
}
