/**
 * Dates of the spend reports: LiteLLM's `start_date` / `end_date` are days (`YYYY-MM-DD`,
 * both inclusive) or times (`YYYY-MM-DD HH:MM:SS`). Times without a zone are UTC, the zone
 * the spend log and the daily aggregates are kept in.
 */

const DAY_MS = 86_400_000;

/** The instant a date or time names. */
export function instantOf(text: string): number {
  const iso = text.replace(' ', 'T');
  return Date.parse(
    /^\d{4}-\d{2}-\d{2}$/.test(iso) || /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`,
  );
}

/** The first instant of a range, ISO. */
export function sinceOf(start: string): string {
  return new Date(instantOf(start)).toISOString();
}

/** The first instant after a range, ISO: a day includes all of itself. */
export function untilOf(end: string): string {
  const ms = instantOf(end);
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(end) ? ms + DAY_MS : ms + 1).toISOString();
}

/** The UTC day (`YYYY-MM-DD`) of a date or time. */
export function dayOf(text: string): string {
  return new Date(instantOf(text)).toISOString().slice(0, 10);
}

/** The UTC day `days` before `now`. */
export function daysBefore(now: number, days: number): string {
  return new Date(now - days * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 3660; t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
