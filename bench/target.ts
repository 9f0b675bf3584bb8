// What a benchmark target is. New targets (Tollgate on other stores, other gateways) are a
// factory in targets.ts and nothing else.
import type { ProcessGroup } from './process-group.js';

export interface RunningTarget {
  /** Origin the load generator sends to, e.g. http://127.0.0.1:4000 */
  url: string;
  /** Root of the process tree whose CPU and memory are charged to this target. */
  pid: number;
  /** Sent with every request, on top of content-type; known only once started when it holds a
   * key the target itself issued (a virtual key). */
  headers: Record<string, string>;
  /** Stops the target (with SIGTERM unless told) and removes what it created (a database);
   * safe to call twice. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface Target {
  name: string;
  description: string;
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
  /** Extra node flags for the measured server process, e.g. --cpu-prof (bench/profile.ts). */
  nodeArgs: string[];
  /** A command the measured server process runs under, e.g. valgrind (bench/callgrind.ts). */
  launcher?: string[];
  /** A PostgreSQL server URL whose role may create databases, for the PostgreSQL targets. */
  postgresUrl: string;
  /** A Redis server for the cluster-mode target, used under a key prefix of its own. */
  redisUrl: string;
  /** Another checkout of Tollgate, built (`--baseline`), for the `baseline*` targets. */
  baselineRoot?: string;
}

export type TargetFactory = (context: TargetContext) => Target;

/** Where a started service is reachable, on loopback only. */
export function loopbackUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** The command and arguments that run the measured server `node <args>`, under the launcher. */
export function serverCommand(context: TargetContext, args: string[]): [string, string[]] {
  const [command, ...options] = context.launcher ?? [];
  if (command === undefined) return [process.execPath, args];
  return [command, [...options, process.execPath, ...args]];
}
