// What a benchmark target is. New targets (Tollgate on other stores, other gateways) are a
// factory in targets.ts and nothing else.
import type { ProcessGroup } from './process-group.js';

export interface RunningTarget {
  /** Origin the load generator sends to, e.g. http://127.0.0.1:4000 */
  url: string;
  /** Root of the process tree whose CPU and memory are charged to this target. */
  pid: number;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  description: string;
  /** Sent with every request, on top of content-type. */
  headers: Record<string, string>;
  start(): Promise<RunningTarget>;
}

export interface TargetContext {
  repoRoot: string;
  /** Origin of the mock upstream. */
  upstreamUrl: string;
  upstreamPid: number;
  processes: ProcessGroup;
  /** A private temporary directory for config files and databases. */
  workDir: string;
}

export type TargetFactory = (context: TargetContext) => Target;

/** Where a started service is reachable, on loopback only. */
export function loopbackUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}
