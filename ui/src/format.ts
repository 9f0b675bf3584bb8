/** How money, dates and lists read on the pages. */

const dollars = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});

export function money(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return dollars.format(value);
}

export function budget(value: number | null | undefined): string {
  return value === null || value === undefined ? 'No limit' : money(value);
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function day(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleDateString();
}

export function expiry(value: string | null | undefined): string {
  return value ? dateTime(value) : 'Never';
}

export function modelList(models: readonly string[] | null | undefined): string {
  return !models || models.length === 0 ? 'All allowed models' : models.join(', ');
}

/** YYYY-MM-DD of a date in the browser's time zone. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function daysAgo(days: number): string {
  return isoDay(new Date(Date.now() - days * 86_400_000));
}

/** A number from a form field; empty means "not set". */
export function optionalNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}
