/**
 * Budget windows without a reset job: a scope's spend counts toward the window that ends at
 * `budget_reset_at`; once that instant passes, the next window starts at it, and the one after
 * that, until the window holding `now` is found. Every replica computes the same window from the
 * same stored row, so counters keyed by window end agree without coordination.
 */
import { addDuration, parseDuration, type Duration } from '../util/duration.js';
import {
  addZoneDays,
  alignsToCalendar,
  firstResetAt,
  type ResetAlignment,
} from './reset-alignment.js';

export { firstResetAt, type ResetAlignment } from './reset-alignment.js';

export interface BudgetWindow {
  /** Epoch ms at which the current window ends; `null` when the budget never resets. */
  resetAt: number | null;
  /** True when the stored `budget_reset_at` has passed: the stored spend belongs to an old window. */
  rolled: boolean;
}

/**
 * The window holding `now`, from the stored `budget_reset_at` (ISO) and `budget_duration`. With
 * an aligned `alignment`, windows after the stored one end on the same calendar boundaries that
 * `firstResetAt` gives, as if LiteLLM's reset job had run exactly at each reset.
 */
export function currentWindow(
  storedResetAt: string | null | undefined,
  budgetDuration: string | null | undefined,
  now: number,
  alignment?: ResetAlignment,
): BudgetWindow {
  if (!storedResetAt) return { resetAt: null, rolled: false };
  let resetAt = parseInstant(storedResetAt);
  if (Number.isNaN(resetAt)) return { resetAt: null, rolled: false };
  if (resetAt > now) return { resetAt, rolled: false };
  const duration = budgetDuration ? safeParse(budgetDuration) : null;
  if (!duration) return { resetAt: null, rolled: true };
  if (alignment?.align && !(duration.unit === 'mo' && duration.amount !== 1)) {
    const end = alignedEnd(resetAt, { text: budgetDuration!, duration }, now, alignment);
    return { resetAt: end, rolled: true };
  }
  if (duration.unit !== 'mo') {
    const length = addDuration(0, duration);
    if (length <= 0) return { resetAt: null, rolled: true };
    resetAt += (Math.floor((now - resetAt) / length) + 1) * length;
    return { resetAt, rolled: true };
  }
  while (resetAt <= now) resetAt = addDuration(resetAt, duration);
  return { resetAt, rolled: true };
}

/** Stored `budget_reset_at` texts already parsed: each request reads its scopes' twice. */
const instants = new Map<string, number>();
const MAX_INSTANTS = 4096;

function parseInstant(text: string): number {
  let instant = instants.get(text);
  if (instant === undefined) {
    instant = Date.parse(text);
    if (instants.size >= MAX_INSTANTS) instants.clear();
    instants.set(text, instant);
  }
  return instant;
}

function safeParse(text: string): ReturnType<typeof parseDuration> {
  try {
    return parseDuration(text);
  } catch {
    return null;
  }
}

/** End of the aligned window holding `now`, the stored window `storedEnd` having passed. */
function alignedEnd(
  storedEnd: number,
  { text, duration }: { text: string; duration: Duration },
  now: number,
  alignment: ResetAlignment,
): number {
  // Calendar boundaries are the same whatever the start: the first one after now.
  if (alignsToCalendar(duration)) return firstResetAt(text, now, alignment);
  // `Nd`: N zone days from each reset, starting with the first reset after the stored one.
  const days = duration.unit === 'w' ? 7 * duration.amount : duration.amount;
  let end = firstResetAt(text, storedEnd, alignment);
  const skip = Math.max(0, Math.floor((now - end) / (days * 86_400_000)) - 1);
  end = addZoneDays(end, skip * days, alignment.timeZone);
  while (end <= now) end = addZoneDays(end, days, alignment.timeZone);
  return end;
}
