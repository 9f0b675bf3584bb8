// The load generator. It runs in its own process (forked by run.ts) so that its CPU is not
// charged to the server under test, and takes one job at a time over IPC.
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { attempt, Tally } from './load-request.js';
import { summarizeLatencies } from './stats.js';
import type {
  ClosedLoopJob,
  FromLoadMessage,
  LoadJob,
  LoadResult,
  OpenLoopJob,
  ToLoadMessage,
} from './load-protocol.js';

/** How long in-flight requests may run past the end of a phase before they are abandoned. */
const DRAIN_MS = 10_000;
/** Open loop: more connections than any sustainable rate needs; beyond it requests wait in the
 * client queue, which still counts as latency because it is measured from the scheduled start. */
const OPEN_LOOP_CONNECTIONS = 256;

/** One signal for every request of a phase; each in-flight request listens to it. */
function abortable(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

async function runClosedLoop(job: ClosedLoopJob): Promise<LoadResult> {
  const pool = new Pool(job.request.origin, { connections: job.concurrency, pipelining: 1 });
  const body = Buffer.from(job.request.body);
  const tally = new Tally(job.request.stream);
  const abort = abortable();
  const start = performance.now();
  const windowEnd = start + job.durationMs;
  const deadline = setTimeout(() => abort.abort(), job.durationMs + DRAIN_MS);
  // An aborted request ends as a recorded failure, so every client finishes by the deadline.
  const client = async (): Promise<void> => {
    while (performance.now() < windowEnd && !abort.signal.aborted) {
      const startedAt = performance.now();
      tally.record(await attempt(pool, job.request, body, abort.signal), startedAt, windowEnd);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  clearTimeout(deadline);
  await pool.destroy();
  return tally.result(job.durationMs);
}

async function runOpenLoop(job: OpenLoopJob): Promise<LoadResult> {
  const pool = new Pool(job.request.origin, { connections: OPEN_LOOP_CONNECTIONS, pipelining: 1 });
  const body = Buffer.from(job.request.body);
  const tally = new Tally(job.request.stream);
  const abort = abortable();
  const total = Math.max(1, Math.round((job.ratePerS * job.durationMs) / 1000));
  const intervalMs = 1000 / job.ratePerS;
  const start = performance.now() + 1;
  let issued = 0;
  let inFlight = 0;
  const startLags: number[] = [];
  let onIdle: () => void = () => {};

  const launch = (scheduledAt: number): void => {
    inFlight++;
    void attempt(pool, job.request, body, abort.signal).then((outcome) => {
      tally.record(outcome, scheduledAt, Number.POSITIVE_INFINITY);
      if (--inFlight === 0 && issued === total) onIdle();
    });
  };
  // Each request starts at its scheduled time, not when an earlier one ends: a slow server then
  // shows as latency instead of silently lowering the offered load (coordinated omission).
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (issued < total) {
        const scheduledAt = start + issued * intervalMs;
        if (scheduledAt > now) break;
        startLags.push(now - scheduledAt);
        issued++;
        launch(scheduledAt);
      }
      if (issued === total) resolve();
      else setTimeout(tick, Math.max(0, start + issued * intervalMs - performance.now()));
    };
    tick();
  });
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => {
      abort.abort();
      resolve();
    }, DRAIN_MS);
    onIdle = () => {
      clearTimeout(deadline);
      resolve();
    };
    if (inFlight === 0) onIdle();
  });
  tally.recordUnfinished(inFlight);
  await pool.destroy();
  return tally.result(job.durationMs, { startLag: summarizeLatencies(startLags) });
}

function runJob(job: LoadJob): Promise<LoadResult> {
  return job.kind === 'closed' ? runClosedLoop(job) : runOpenLoop(job);
}

function send(message: FromLoadMessage): void {
  process.send?.(message);
}

process.on('message', (raw: unknown) => {
  const message = raw as ToLoadMessage;
  if ('stop' in message) process.exit(0);
  runJob(message.job).then(
    (result) => send({ id: message.id, result }),
    (e: unknown) => send({ id: message.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
// An orphaned load generator must not outlive the run.
process.on('disconnect', () => process.exit(0));
send({ ready: true });
