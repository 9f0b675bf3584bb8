/**
 * The days a spend report covers and their totals. Without a time zone (or in UTC) they are the
 * gateway's UTC daily totals, as LiteLLM reports them. In another zone the range is read as
 * instants of that zone and each call is counted on the local day it started: the spend log is
 * summed per UTC hour in the database (per minute for zones a fraction of an hour off UTC), and
 * the hours are folded into local days here.
 */
import type {
  DailyDimension,
  DailyFilter,
  DailyGroup,
  DailyTotals,
  SpendReportRepository,
} from '../store/spend-report-repository.js';
import { dayOf } from './spend-range.js';
import { isUtcZone, ZoneClock, zonedInstant, zonedUntil } from './spend-zone.js';

export interface ReportDays {
  /** First and last day, `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  /** Totals per combination of `groupBy`; `date` is the report's day. */
  read<D extends DailyDimension>(groupBy: readonly D[]): Promise<DailyGroup<D>[]>;
}

type Source = Pick<SpendReportRepository, 'daily' | 'periodTotals'>;

export function reportDays(
  reports: Source,
  range: { start: string; end: string; timezone?: string },
  equals: DailyFilter['equals'],
): ReportDays {
  const { start, end, timezone } = range;
  if (timezone === undefined || isUtcZone(timezone)) {
    const from = dayOf(start);
    const to = dayOf(end);
    return {
      from,
      to,
      read: (groupBy) => reports.daily({ fromDate: from, toDate: to, equals }, groupBy),
    };
  }
  const clock = new ZoneClock(timezone);
  const since = zonedInstant(start, clock);
  const until = zonedUntil(end, clock);
  const periodLength = clock.wholeHoursBetween(since, until) ? 13 : 16;
  return {
    from: clock.dayOf(since),
    to: clock.dayOf(Math.max(since, until - 1)),
    read: async <D extends DailyDimension>(groupBy: readonly D[]) => {
      const withPeriod = groupBy.includes('date' as D) ? groupBy : [...groupBy, 'date' as D];
      const rows = await reports.periodTotals(
        { since: new Date(since).toISOString(), until: new Date(until).toISOString(), equals },
        withPeriod,
        periodLength,
      );
      return foldIntoDays(rows, groupBy, clock);
    },
  };
}

const TOTALS: readonly (keyof DailyTotals)[] = [
  'spend',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'api_requests',
  'successful_requests',
  'failed_requests',
];

/** Rows per period turned into rows per local day (or no day when `groupBy` has none). */
function foldIntoDays<D extends DailyDimension>(
  rows: readonly DailyGroup<D>[],
  groupBy: readonly D[],
  clock: ZoneClock,
): DailyGroup<D>[] {
  const dayOfPeriod = new Map<string, string>();
  const localDay = (period: string) => {
    let day = dayOfPeriod.get(period);
    if (day === undefined) {
      day = clock.dayOf(Date.parse(`${period}${period.length === 13 ? ':00' : ''}:00Z`));
      dayOfPeriod.set(period, day);
    }
    return day;
  };
  const folded = new Map<string, DailyGroup<D>>();
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    const dims = groupBy.map((d) => (d === 'date' ? localDay(String(record.date)) : record[d]));
    const id = JSON.stringify(dims);
    const into = folded.get(id);
    if (!into) {
      const fresh: Record<string, unknown> = {};
      groupBy.forEach((d, i) => (fresh[d] = dims[i]));
      for (const total of TOTALS) fresh[total] = row[total];
      folded.set(id, fresh as DailyGroup<D>);
      continue;
    }
    for (const total of TOTALS) into[total] += row[total];
  }
  return [...folded.values()].sort((a, b) => compareBy(a, b, groupBy));
}

function compareBy(a: object, b: object, groupBy: readonly string[]): number {
  for (const d of groupBy) {
    const x = String((a as Record<string, unknown>)[d]);
    const y = String((b as Record<string, unknown>)[d]);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
