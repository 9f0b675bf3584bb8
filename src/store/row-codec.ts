/**
 * Rows ↔ records for one table. The columns are the same on SQLite and PostgreSQL (see
 * schema.ts): JSON as text, booleans as 0/1, BIGINT limits that `pg` returns as strings. A
 * record is the row with those decoded; everything else is copied as it is.
 */

export interface ColumnKinds<Rec> {
  /** JSON text columns, each with the value used when the text is missing or unreadable. */
  json?: { readonly [K in keyof Rec]?: Rec[K] };
  bool?: readonly (keyof Rec)[];
  /** Integer columns that may come back as strings (PostgreSQL BIGINT, COUNT). */
  int?: readonly (keyof Rec)[];
}

export interface RowCodec<Row, Rec> {
  read(row: Row): Rec;
  write(record: Partial<Rec>): Partial<Row>;
}

export function rowCodec<Row extends object, Rec extends object>(
  kinds: ColumnKinds<Rec>,
): RowCodec<Row, Rec> {
  const json = Object.entries(kinds.json ?? {}) as [string, unknown][];
  const bool = (kinds.bool ?? []) as readonly PropertyKey[] as readonly string[];
  const int = (kinds.int ?? []) as readonly PropertyKey[] as readonly string[];
  return {
    read(row) {
      const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
      for (const [column, fallback] of json) out[column] = parseJson(out[column], fallback);
      for (const column of bool) out[column] = out[column] === 1 || out[column] === true;
      for (const column of int) out[column] = toInt(out[column]);
      return out as Rec;
    },
    write(record) {
      const out: Record<string, unknown> = { ...record };
      for (const [column, fallback] of json) {
        if (column in out) out[column] = JSON.stringify(out[column] ?? fallback);
      }
      for (const column of bool) {
        if (column in out) out[column] = out[column] ? 1 : 0;
      }
      return out as Partial<Row>;
    },
  };
}

/** `null` stays `null`; numeric strings (PostgreSQL BIGINT) become numbers. */
export function toInt(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

function parseJson(text: unknown, fallback: unknown): unknown {
  if (typeof text !== 'string') return structuredClone(fallback);
  try {
    const value: unknown = JSON.parse(text);
    return value ?? structuredClone(fallback);
  } catch {
    // Imported rows with broken JSON must not take authentication down with them.
    return structuredClone(fallback);
  }
}
