/**
 * The one rule every part of the gateway uses for budget windows: admission (what a call may
 * spend), the spend ledger (which window a booking goes to), the admin views (the spend and
 * `budget_reset_at` they show) and the admin services (the `budget_reset_at` a new or changed
 * `budget_duration` gets). Built once from the config and handed to each of them, so they can
 * never disagree about when a window ends.
 *
 * Unaligned (the default, as older LiteLLM): a budget resets `budget_duration` after it was set,
 * then by whole durations. In a time zone (`litellm_settings.timezone`, as newer LiteLLM):
 * resets fall on calendar boundaries of that zone (reset-alignment.ts).
 */
import type { MoneySettings } from '../config/gateway-config.js';
import { parseDuration } from '../util/duration.js';
import { currentWindow, type BudgetWindow } from './budget-window.js';
import { firstResetAt, type ResetAlignment } from './reset-alignment.js';

export class BudgetCalendar {
  /** `budget_duration` after the budget was set: Tollgate's default, as older LiteLLM. */
  static readonly UNALIGNED = new BudgetCalendar({ align: false });

  /** Calendar boundaries of `timeZone` (an IANA name Intl knows). */
  static inZone(timeZone: string): BudgetCalendar {
    return new BudgetCalendar({ align: true, timeZone });
  }

  /** The calendar the money settings name: aligned when a time zone is configured. */
  static of(settings: Pick<MoneySettings, 'budgetTimeZone'>): BudgetCalendar {
    return settings.budgetTimeZone === undefined
      ? BudgetCalendar.UNALIGNED
      : BudgetCalendar.inZone(settings.budgetTimeZone);
  }

  private constructor(readonly alignment: Readonly<ResetAlignment>) {}

  /**
   * `budget_reset_at` (epoch ms) of a budget whose `budget_duration` is set at `now`; `null` for
   * a duration that names none (`""`, `none`). Throws a DurationError for a duration it cannot
   * read, and, aligned, for `Nmo` with N other than 1 (as LiteLLM does).
   */
  firstReset(budgetDuration: string, now: number): number | null {
    // Read first: aligned, LiteLLM would file an unreadable duration under "next midnight";
    // Tollgate refuses it whatever the calendar, so a typo never becomes a daily budget.
    if (parseDuration(budgetDuration) === null) return null;
    return firstResetAt(budgetDuration, now, this.alignment);
  }

  /** The window holding `now` of a stored `budget_reset_at` and `budget_duration`. */
  window(
    storedResetAt: string | null | undefined,
    budgetDuration: string | null | undefined,
    now: number,
  ): BudgetWindow {
    return currentWindow(storedResetAt, budgetDuration, now, this.alignment);
  }
}
