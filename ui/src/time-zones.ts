/** Time zones a report can be read in: the browser's own first, then every IANA zone it knows. */

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function timeZoneOptions(current: string): { value: string; label: string }[] {
  const known = Intl.supportedValuesOf?.('timeZone') ?? [];
  const zones = [...new Set([current, 'UTC', ...known])];
  return zones.map((zone) => ({ value: zone, label: zone.replaceAll('_', ' ') }));
}

/** YYYY-MM-DD of today in `zone`. */
export function todayIn(zone: string, daysBack = 0): string {
  const instant = new Date(Date.now() - daysBack * 86_400_000);
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(instant);
}
