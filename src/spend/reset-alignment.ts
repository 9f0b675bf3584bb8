/**
 * Calendar-aligned budget resets, as newer LiteLLM computes `budget_reset_at` with
 * `litellm_settings.timezone`: a daily budget resets at the next midnight of that zone, a weekly
 * one on Monday 00:00, a 30-day or monthly one on the 1st of the month, hours, minutes and seconds
 * on multiples of their count. Wall-clock times are turned into instants with the zone's own
 * offset at that moment, so daylight-saving changes move nothing.
 */
import { addDuration, DurationError, parseDuration, type Duration } from '../util/duration.js';

export interface ResetAlignment {
  /** IANA time zone of the boundaries (`litellm_settings.timezone`); default UTC. */
  timeZone?: string;
  /** `true`: calendar boundaries (newer LiteLLM); `false`: `now + duration` (older). */
  align: boolean;
}

interface WallTime {
  year: number;
  /** 0-based, as Date.UTC takes it; overflowing fields roll over as in Date.UTC. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The first reset after `now` for a budget with `budgetDuration`, aligned or not. Throws a
 * DurationError for `Nmo` with N other than 1 when aligned, as LiteLLM does; any other duration
 * it cannot read resets at the next midnight.
 */
export function firstResetAt(budgetDuration: string, now: number, options: ResetAlignment): number {
  let duration: Duration | null;
  try {
    duration = parseDuration(budgetDuration);
  } catch (error: unknown) {
    if (!(error instanceof DurationError) || !options.align) throw error;
    duration = null;
  }
  if (!options.align) {
    if (!duration)
      throw new DurationError(`Invalid duration format, passed duration: ${budgetDuration}`);
    return addDuration(now, duration);
  }
  const zone = options.timeZone ?? 'UTC';
  const wall = wallTime(now, zone);
  const at = (fields: Partial<WallTime>): number =>
    instantOf({ ...midnight(wall), ...fields }, zone);
  if (!duration) return at({ day: wall.day + 1 });
  const { amount, unit } = duration;
  switch (unit) {
    case 'mo':
      if (amount !== 1)
        throw new DurationError('Monthly resets currently only support 1 month intervals');
      return at({ month: wall.month + 1, day: 1 });
    case 'w':
      return amount === 1
        ? at({ day: wall.day + daysToNextMonday(wall) })
        : at({ day: wall.day + 7 * amount });
    case 'd':
      if (amount === 1) return at({ day: wall.day + 1 });
      if (amount === 7) return at({ day: wall.day + daysToNextMonday(wall) });
      if (amount === 30) return at({ month: wall.month + 1, day: 1 });
      return at({ day: wall.day + amount });
    case 'h': {
      const hour = (Math.floor(wall.hour / amount) + 1) * amount;
      return hour >= 24 ? at({ day: wall.day + 1 }) : at({ day: wall.day, hour });
    }
    case 'm': {
      const minute = (Math.floor(wall.minute / amount) + 1) * amount;
      if (minute >= 60) return at({ day: wall.day, hour: wall.hour + 1 });
      return at({ day: wall.day, hour: wall.hour, minute });
    }
    case 's': {
      const second = (Math.floor(wall.second / amount) + 1) * amount;
      if (second >= 60) return at({ day: wall.day, hour: wall.hour, minute: wall.minute + 1 });
      return at({ day: wall.day, hour: wall.hour, minute: wall.minute, second });
    }
  }
}

/**
 * True when every aligned reset of this duration falls on one fixed set of instants (midnights,
 * Mondays, 1sts, multiples of hours…), so the window holding any instant is found from that
 * instant alone. `Nd` for other N counts from the previous reset instead.
 */
export function alignsToCalendar(duration: Duration): boolean {
  if (duration.unit === 'd') return [1, 7, 30].includes(duration.amount);
  return duration.unit !== 'w' || duration.amount === 1;
}

/** `days` calendar days after `from` in the zone, at the same wall-clock time. */
export function addZoneDays(from: number, days: number, timeZone = 'UTC'): number {
  const wall = wallTime(from, timeZone);
  return instantOf({ ...wall, day: wall.day + days }, timeZone);
}

function midnight(wall: WallTime): WallTime {
  return { ...wall, hour: 0, minute: 0, second: 0 };
}

function daysToNextMonday(wall: WallTime): number {
  const weekday = new Date(Date.UTC(wall.year, wall.month, wall.day)).getUTCDay();
  return (8 - weekday) % 7 || 7;
}

/** Formatters are costly to build and immutable: one per zone, kept for the process. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

function wallTime(instant: number, timeZone: string): WallTime {
  if (timeZone === 'UTC') {
    const date = new Date(instant);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth(),
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant))
    parts[part.type] = Number(part.value);
  return {
    year: parts.year!,
    month: parts.month! - 1,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The instant a wall-clock time names in the zone (the later one when a DST gap skips it). */
function instantOf(wall: WallTime, timeZone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
  if (timeZone === 'UTC') return asUtc;
  let instant = asUtc - offsetAt(asUtc, timeZone);
  instant = asUtc - offsetAt(instant, timeZone);
  return instant;
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const wall = wallTime(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}
