/**
 * V8 settings the gateway applies when it starts, for a small resident size under load
 * (docs/benchmarks.md, "Memory"). Each one is left out when node's own command line names the
 * same setting: the operator's choice wins (`node --heap-growing-percent=100 dist/main.js`).
 * Node accepts neither in NODE_OPTIONS, so the gateway sets them itself.
 *
 * - `--heap-growing-percent=30`: by default V8 lets the old generation grow to 2-4 times what
 *   survived the last full collection. A gateway's live heap is small (~30 MB with the example
 *   config), and what reaches its old generation is mostly requests that were in flight across
 *   two young collections: garbage soon after. Collecting once it has grown by 30% keeps the
 *   resident memory under load ~50 MB lower for no measurable CPU. Read at every collection.
 * - `--liftoff-only`: undici parses HTTP with llhttp compiled to WebAssembly. Under load V8
 *   recompiles its large parser function with its optimizing compiler on a worker thread, which
 *   takes ~35 MB of memory for the moment it runs: the peak resident size of the whole process.
 *   The baseline (Liftoff) code costs no more per request: undici with and without it runs within
 *   2% of the same instruction count. Read when a WebAssembly module is compiled, which undici
 *   does on its first connection.
 */
import { setFlagsFromString } from 'node:v8';

interface Tuning {
  flag: string;
  /** Node options that choose the same setting, so the gateway leaves it alone. */
  givenBy: RegExp;
}

const TUNINGS: readonly Tuning[] = [
  { flag: '--heap-growing-percent=30', givenBy: /heap[-_]growing[-_]percent/ },
  { flag: '--liftoff-only', givenBy: /liftoff|wasm[-_](tier|dynamic)/ },
];

/** The flags to set, given node's own options (`process.execArgv`). */
export function v8TuningFlags(nodeOptions: readonly string[]): string[] {
  return TUNINGS.filter((t) => !nodeOptions.some((option) => t.givenBy.test(option))).map(
    (t) => t.flag,
  );
}

/** Applies the gateway's V8 settings that node was not started with; returns what it set. */
export function tuneV8(execArgv: readonly string[]): string[] {
  const flags = v8TuningFlags(execArgv);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
