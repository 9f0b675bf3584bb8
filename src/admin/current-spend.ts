/**
 * Spend as it counts now: once a row's stored budget window has passed, its stored spend belongs
 * to the old window, so the API shows 0 and the `budget_reset_at` of the window holding `now`
 * (budget-window.ts), exactly as the next booking will write them. No reset job needed.
 */
import { currentWindow } from '../spend/budget-window.js';

interface Windowed {
  spend: number;
  budget_duration?: string | null;
  budget_reset_at: string | null;
}

export function withCurrentSpend<T extends Windowed>(row: T, now: number = Date.now()): T {
  const window = currentWindow(row.budget_reset_at, row.budget_duration, now);
  if (!window.rolled) return row;
  return {
    ...row,
    spend: 0,
    budget_reset_at: window.resetAt === null ? null : new Date(window.resetAt).toISOString(),
  };
}
