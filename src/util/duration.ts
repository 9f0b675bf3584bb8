/**
 * LiteLLM's duration strings (`duration`, `budget_duration`, `grace_period`): digits, then a unit
 * matched as a prefix like LiteLLM's `^(\d+)(mo|[smhdw]?)`, so `24hr` is 24 hours and `30days` 30
 * days. `m` is minutes and `mo` calendar months. Tollgate also reads the words users write:
 * `daily`, `weekly`, `monthly`.
 */
import { own } from './own.js';

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'mo';

export interface Duration {
  amount: number;
  unit: DurationUnit;
}

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const PATTERN = /^(\d+)(mo|[smhdw]?)/;

const SECONDS: Record<Exclude<DurationUnit, 'mo'>, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
};

const WORDS: Record<string, Duration> = {
  daily: { amount: 1, unit: 'd' },
  weekly: { amount: 1, unit: 'w' },
  monthly: { amount: 1, unit: 'mo' },
};

/** The duration a string names; `null` for none (`""`, `none`, `null`). */
export function parseDuration(text: string): Duration | null {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (lower === '' || lower === 'none' || lower === 'null') return null;
  const word = own(WORDS, lower);
  if (word) return word;
  const match = PATTERN.exec(trimmed);
  if (!match) throw new DurationError(`Invalid duration format, passed duration: ${text}`);
  const unit = match[2] as DurationUnit | '';
  if (unit === '') throw new DurationError(`Unsupported duration unit, passed duration: ${text}`);
  return { amount: Number(match[1]), unit };
}

/** The instant `duration` after `from` (epoch ms); months are calendar months, in UTC. */
export function addDuration(from: number, duration: Duration): number {
  if (duration.unit !== 'mo') return from + duration.amount * SECONDS[duration.unit] * 1000;
  const start = new Date(from);
  const monthIndex = start.getUTCMonth() + duration.amount;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  // Like dateutil's relativedelta: Jan 31 + 1 month is the last day of February.
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = new Date(from);
  end.setUTCFullYear(year, month, Math.min(start.getUTCDate(), lastDay));
  return end.getTime();
}

/** Length in seconds, months counted from `from` as LiteLLM does for upper-bound comparisons. */
export function durationSeconds(duration: Duration, from: number): number {
  return (addDuration(from, duration) - from) / 1000;
}

/** Parses and adds in one step: the instant `text` after `from`, or `null` for no duration. */
export function instantAfter(text: string, from: number): number | null {
  const duration = parseDuration(text);
  return duration === null ? null : addDuration(from, duration);
}

/** The instant `duration` before `from` (epoch ms); months are calendar months, in UTC. */
export function subtractDuration(from: number, duration: Duration): number {
  if (duration.unit !== 'mo') return from - duration.amount * SECONDS[duration.unit] * 1000;
  const start = new Date(from);
  const monthIndex = start.getUTCMonth() - duration.amount;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  // Mar 31 - 1 month is the last day of February, as addDuration goes the other way.
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = new Date(from);
  end.setUTCFullYear(year, month, Math.min(start.getUTCDate(), lastDay));
  return end.getTime();
}
