/**
 * `table[key]` for a key that comes from outside (a request, a config value), only when the table
 * has it as its own: `{ daily: … }["__proto__"]` is Object.prototype and `["constructor"]` is
 * Object, which a plain lookup would take for an entry.
 */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
