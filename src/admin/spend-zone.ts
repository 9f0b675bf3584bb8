/**
 * Calendar days in an IANA time zone, for spend reports a person reads in their own zone: where
 * a local day starts and ends as instants, and which local day an instant falls on. Offsets come
 * from the runtime's time zone data (Intl), so daylight saving changes are followed.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Zones that are UTC all year: reports in them read the UTC daily totals directly. */
const UTC_ZONES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Z']);

export function isUtcZone(zone: string): boolean {
  return UTC_ZONES.has(zone);
}

/** Whether the runtime knows `zone` (an IANA name such as `Europe/Berlin`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** One zone's clock: offsets and local days, with one formatter reused for every instant. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The local wall time of an instant, read as if it were UTC (ms). */
  private wallTime(instant: number): number {
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(instant))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    return Date.UTC(year, month - 1, day, hour, minute, second) + (instant % 1000);
  }

  /** How far the zone's clock is ahead of UTC at `instant` (ms). */
  offsetAt(instant: number): number {
    return this.wallTime(instant) - instant;
  }

  /** `YYYY-MM-DD` of the local day `instant` falls on. */
  dayOf(instant: number): string {
    return new Date(this.wallTime(instant)).toISOString().slice(0, 10);
  }

  /**
   * The instant a local wall time (given as UTC ms) names; in an hour the clock skips or repeats,
   * the earlier of the two readings.
   */
  instantOf(wall: number): number {
    const first = wall - this.offsetAt(wall);
    const second = wall - this.offsetAt(first);
    return first === second ? first : Math.min(first, second);
  }

  /** The instant local day `day` (`YYYY-MM-DD`) starts. */
  startOfDay(day: string): number {
    return this.instantOf(Date.parse(`${day}T00:00:00Z`));
  }

  /** Whether every offset between two instants is a whole number of hours. */
  wholeHoursBetween(since: number, until: number): boolean {
    for (let t = since; t < until + DAY_MS; t += DAY_MS) {
      if (this.offsetAt(Math.min(t, until)) % HOUR_MS !== 0) return false;
    }
    return true;
  }
}

/**
 * The instant a report date names in `clock`'s zone: a day (`YYYY-MM-DD`) is its local
 * midnight, a time without an offset is local, a time with an offset (or `Z`) is that instant.
 */
export function zonedInstant(text: string, clock: ZoneClock): number {
  const iso = text.replace(' ', 'T');
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) return Date.parse(iso);
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return clock.startOfDay(iso);
  return clock.instantOf(Date.parse(`${iso}Z`));
}

/** The first instant after a range's end: a day includes all of itself. */
export function zonedUntil(text: string, clock: ZoneClock): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const next = new Date(Date.parse(`${text}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    return clock.startOfDay(next);
  }
  return zonedInstant(text, clock) + 1;
}
