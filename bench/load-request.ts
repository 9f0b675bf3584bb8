// One timed request and the tally of many; shared by the closed- and open-loop drivers.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import type { LoadResult, RequestSpec } from './load-protocol.js';
import { summarizeLatencies } from './stats.js';

/** Bounds every request so that no loop can hang on a stuck server. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface Outcome {
  /** The HTTP status; undefined when the request failed in transport (it may never have reached
   * the server, so it is not counted as served). */
  status: number | undefined;
  /** Set for anything but a 2xx answer. */
  error?: string;
  firstByteAt: number;
  endAt: number;
}

/** Sends one request and reads its whole body; never throws. */
export async function attempt(
  pool: Pool,
  spec: RequestSpec,
  body: Buffer,
  signal: AbortSignal,
): Promise<Outcome> {
  try {
    const res = await pool.request({
      method: 'POST',
      path: spec.path,
      headers: spec.headers,
      body,
      signal,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    let firstByteAt = 0;
    let text = '';
    const keepText = res.statusCode >= 300;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (firstByteAt === 0) firstByteAt = performance.now();
      // Only failures are read as text, to quote them in the report.
      if (keepText && text.length < 300) text += chunk.toString('utf8');
    }
    const endAt = performance.now();
    if (firstByteAt === 0) firstByteAt = endAt;
    const status = res.statusCode;
    if (keepText)
      return { status, error: `HTTP ${status}: ${text.slice(0, 300)}`, firstByteAt, endAt };
    return { status, firstByteAt, endAt };
  } catch (e: unknown) {
    const now = performance.now();
    return {
      status: undefined,
      error: e instanceof Error ? e.message : String(e),
      firstByteAt: now,
      endAt: now,
    };
  }
}

export class Tally {
  private readonly latencies: number[] = [];
  private readonly ttfbs: number[] = [];
  private completed = 0;
  private errors = 0;
  private okInWindow = 0;
  private firstError: string | undefined;

  constructor(private readonly recordTtfb: boolean) {}

  /** `startedAt` is when the request was meant to start, so queueing delay counts as latency. */
  record(outcome: Outcome, startedAt: number, windowEnd: number): void {
    if (outcome.status !== undefined) this.completed++;
    if (outcome.error !== undefined) {
      this.errors++;
      this.firstError ??= outcome.error;
      return;
    }
    if (outcome.endAt <= windowEnd) this.okInWindow++;
    this.latencies.push(outcome.endAt - startedAt);
    if (this.recordTtfb) this.ttfbs.push(outcome.firstByteAt - startedAt);
  }

  /** Requests abandoned at the deadline. */
  recordUnfinished(count: number): void {
    this.errors += count;
    if (count > 0) this.firstError ??= `${count} requests still running at the deadline`;
  }

  result(windowMs: number, extra: Partial<LoadResult> = {}): LoadResult {
    const result: LoadResult = {
      completed: this.completed,
      errors: this.errors,
      throughputPerS: this.okInWindow / (windowMs / 1000),
      latency: summarizeLatencies(this.latencies),
      ...extra,
    };
    if (this.firstError !== undefined) result.firstError = this.firstError;
    if (this.recordTtfb) result.ttfb = summarizeLatencies(this.ttfbs);
    return result;
  }
}
