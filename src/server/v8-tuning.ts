/**
 * V8 settings the gateway applies when it starts, for a small resident size under load
 * (docs/benchmarks.md, "Memory"). Each one is left out when node's own command line names the
 * same setting: the operator's choice wins (`node --heap-growing-percent=100 dist/main.js`).
 * Node does not accept these in NODE_OPTIONS, so the gateway sets them itself.
 *
 * - `--heap-growing-percent=30`: by default V8 lets the old generation grow to 2-4 times what
 *   survived the last full collection. A gateway's live heap is small (~30 MB with the example
 *   config), and what reaches its old generation is mostly requests that were in flight across
 *   two young collections: garbage soon after. Collecting once it has grown by 30% keeps the
 *   resident memory under load ~50 MB lower for no measurable CPU. Read at every collection.
 *
 * - `--liftoff-only`: V8 recompiles undici's WebAssembly HTTP parser (llhttp) with its optimizing
 *   compiler once it is hot, early under load, on a worker thread that takes ~35 MB for the second
 *   it runs: the process's peak resident size. On baseline code the parser costs ~1 us more per
 *   call (~1% of a chat call's CPU, perf samples of the parser function), and the peak under load
 *   is ~15-20 MB lower. Any liftoff option on node's command line leaves the choice to the
 *   operator (`node --no-liftoff-only dist/main.js` keeps V8's default tiering).
 */
import { setFlagsFromString } from 'node:v8';

interface Tuning {
  flag: string;
  /** Node options that choose the same setting, so the gateway leaves it alone. */
  givenBy: RegExp;
}

const TUNINGS: readonly Tuning[] = [
  { flag: '--heap-growing-percent=30', givenBy: /heap[-_]growing[-_]percent/ },
  { flag: '--liftoff-only', givenBy: /liftoff/ },
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
