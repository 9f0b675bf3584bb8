/**
 * How far V8 lets the old generation grow between two full collections. By default it may reach
 * 2-4 times what survived the last one. A gateway's live heap is small (~30 MB with the example
 * config), and what reaches its old generation is mostly requests that were in flight across two
 * young collections: garbage soon after. Collecting again once it has grown by 30% keeps the
 * resident memory under load ~50 MB lower for no measurable CPU (docs/benchmarks.md, "Memory").
 * The setting is read by V8 at every collection, so the gateway sets it when it starts; one given
 * on node's command line by the operator (`node --heap-growing-percent=100 dist/main.js`) wins.
 * (Node does not accept it in NODE_OPTIONS.)
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

/** The flag to set, or undefined when node's own options already name one. */
export function heapGrowthFlag(nodeOptions: readonly string[]): string | undefined {
  const given = nodeOptions.some((option) => /heap[-_]growing[-_]percent/.test(option));
  return given ? undefined : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Applies the gateway's heap growth unless node was started with one; returns what it set. */
export function tuneHeapGrowth(execArgv: readonly string[]): string | undefined {
  const flag = heapGrowthFlag(execArgv);
  if (flag) setFlagsFromString(flag);
  return flag;
}
