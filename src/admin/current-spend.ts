/**
 * Spend as it counts now: once a row's stored budget window has passed, its stored spend belongs
 * to the old window, so the API shows 0 and the `budget_reset_at` of the window holding `now`
 * (by the gateway's BudgetCalendar), exactly as the next booking will write them. No reset job.
 */
import type { BudgetCalendar } from '../spend/budget-calendar.js';

interface Windowed {
  spend: number;
  budget_duration?: string | null;
  budget_reset_at: string | null;
}

/** The instant a view shows spend at, and the calendar its budget windows follow. */
export interface SpendTime {
  now: number;
  calendar: BudgetCalendar;
}

/** A service's clock read now, with its calendar: what its views take. */
export function spendTime(deps: { now: () => number; calendar: BudgetCalendar }): SpendTime {
  return { now: deps.now(), calendar: deps.calendar };
}

export function withCurrentSpend<T extends Windowed>(row: T, { now, calendar }: SpendTime): T {
  const window = calendar.window(row.budget_reset_at, row.budget_duration, now);
  if (!window.rolled) return row;
  return {
    ...row,
    spend: 0,
    budget_reset_at: window.resetAt === null ? null : new Date(window.resetAt).toISOString(),
  };
}
