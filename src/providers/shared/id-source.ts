/**
 * Where adapters that synthesise OpenAI responses get ids and timestamps. Replaceable so tests
 * can assert whole responses; the default is random ids and the wall clock.
 */
import { randomUUID } from 'node:crypto';

export interface IdSource {
  /** Unix time in seconds, for `created`. */
  now(): number;
  /** A fresh id with the given prefix (`chatcmpl-`, `call_`). */
  newId(prefix: string): string;
}

export const defaultIdSource: IdSource = {
  now: () => Math.floor(Date.now() / 1000),
  newId: (prefix) => prefix + randomUUID().replace(/-/g, '').slice(0, 24),
};

/** Sequential ids and a fixed clock, for tests. */
export function createSequentialIdSource(now = 1700000000): IdSource {
  let counter = 0;
  return { now: () => now, newId: (prefix) => `${prefix}${++counter}` };
}
