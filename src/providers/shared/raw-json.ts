/**
 * The upstream's own JSON text of a response an adapter parsed without changing it. A route that
 * forwards that response unchanged sends the text instead of serialising again what was just
 * parsed; any response built or changed on the way (translated from another provider's format,
 * embeddings re-encoded) has no text here and is serialised as usual.
 */
const texts = new WeakMap<object, string>();

/** Remembers that `value` is exactly what `text` says. */
export function keepRawJson<T extends object>(value: T, text: string): T {
  texts.set(value, text);
  return value;
}

/** The text `value` was parsed from, when it was kept and the value is forwarded as it came. */
export function rawJsonOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
