// Messages between the orchestrator and the load-generator process (over the fork IPC channel).

export interface RequestSpec {
  /** Origin of the target, e.g. http://127.0.0.1:4000 */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Whether the response is an SSE stream, so time to first byte is worth recording. */
  stream: boolean;
}

/** Closed loop: `concurrency` clients, each sending its next request when the last one ends. */
export interface ClosedLoopJob {
  kind: 'closed';
  request: RequestSpec;
  concurrency: number;
  durationMs: number;
}

/** Open loop: requests start on a fixed schedule whatever the server's pace. */
export interface OpenLoopJob {
  kind: 'open';
  request: RequestSpec;
  ratePerS: number;
  durationMs: number;
}

export type LoadJob = ClosedLoopJob | OpenLoopJob;

/** Milliseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Requests that ended (any status), i.e. work the server did; the CPU figure divides by this. */
  completed: number;
  /** Non-2xx answers, transport failures and requests still running at the deadline. */
  errors: number;
  firstError?: string;
  /** Successful requests that ended inside the measured window, per second. */
  throughputPerS: number;
  latency: LatencySummary;
  /** Time to the first body byte; recorded for streams only. */
  ttfb?: LatencySummary;
  /** Open loop only: how late requests left the load generator against their schedule (timer
   * granularity and the generator's own work); it is part of every latency figure, for all
   * targets alike. */
  startLag?: LatencySummary;
}

export type ToLoadMessage = { id: number; job: LoadJob } | { id: number; stop: true };

export type FromLoadMessage =
  { id: number; result: LoadResult } | { id: number; error: string } | { ready: true };
