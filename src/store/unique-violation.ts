/**
 * Recognises a unique-constraint failure from either database and names the column, so a race
 * that slips past a service's own check still gets the right message.
 */

export class UniqueViolation extends Error {
  constructor(
    readonly column: string | undefined,
    options: { cause: unknown },
  ) {
    super(`unique constraint failed${column ? ` on ${column}` : ''}`, options);
    this.name = 'UniqueViolation';
  }
}

/** The offending column when `error` is a unique violation, `false` when it is something else. */
export function uniqueViolationColumn(error: unknown): string | undefined | false {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, detail } = error as {
    code?: unknown;
    message?: unknown;
    detail?: unknown;
  };
  // better-sqlite3: "UNIQUE constraint failed: keys.key_alias"
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /constraint failed: \w+\.(\w+)/.exec(String(message))?.[1];
  }
  // pg: 23505, detail "Key (key_alias)=(x) already exists."
  if (code === '23505') return /^Key \((\w+)\)/.exec(String(detail))?.[1];
  return false;
}

/** Runs a write; a unique violation comes back as a UniqueViolation, anything else unchanged. */
export async function detectUnique<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error: unknown) {
    const column = uniqueViolationColumn(error);
    if (column === false) throw error;
    throw new UniqueViolation(column, { cause: error });
  }
}
