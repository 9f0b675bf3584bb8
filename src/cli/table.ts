/**
 * Plain aligned columns, as kubectl prints them: upper-case headers, two spaces between columns,
 * no borders, so the output is easy to read and to cut with awk.
 */
export interface Column<Row> {
  header: string;
  value(row: Row): unknown;
}

export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => cellText(c.value(row)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One object as FIELD / VALUE lines, for `get` and `info`. */
export function renderFields(object: Record<string, unknown>): string {
  const rows = Object.entries(object).map(([field, value]) => ({ field, value }));
  return renderTable<{ field: string; value: unknown }>(
    [
      { header: 'field', value: (r) => r.field },
      { header: 'value', value: (r) => r.value },
    ],
    rows,
  );
}

/** How one value reads in a cell: `-` for nothing, lists joined, objects as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) {
    if (value.length === 0) return '-';
    return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  }
  if (typeof value === 'object') {
    return Object.keys(value).length === 0 ? '-' : JSON.stringify(value);
  }
  return String(value).replace(/\s*\n\s*/g, ' ');
}
