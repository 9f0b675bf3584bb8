// One measured phase against one target: the load generator's figures plus the server's CPU,
// read from /proc just before and just after (the server is otherwise idle then).
import type { LoadClient } from './load-client.js';
import type { LoadJob, RequestSpec } from './load-protocol.js';
import { readCpuMicros } from './proc-stats.js';
import type { Scenario } from './scenarios.js';
import type { PhaseSample } from './summarize.js';
import type { RunningTarget, Target } from './target.js';

export interface Phase {
  /** undefined: saturated closed loop; a number: open loop at that many requests per second. */
  ratePerS: number | undefined;
  durationMs: number;
  concurrency: number;
}

export interface PhaseSubject {
  target: Target;
  running: RunningTarget;
  scenario: Scenario;
}

export function requestSpec(subject: PhaseSubject): RequestSpec {
  return {
    origin: subject.running.url,
    path: subject.scenario.path,
    // What the official OpenAI SDK sends: the gateway tags each call's spend with it.
    headers: {
      'content-type': 'application/json',
      'user-agent': 'OpenAI/Python 1.54.0',
      ...subject.running.headers,
    },
    body: subject.scenario.body,
    stream: subject.scenario.stream,
  };
}

export function jobFor(subject: PhaseSubject, phase: Phase): LoadJob {
  const request = requestSpec(subject);
  return phase.ratePerS === undefined
    ? { kind: 'closed', request, concurrency: phase.concurrency, durationMs: phase.durationMs }
    : { kind: 'open', request, ratePerS: phase.ratePerS, durationMs: phase.durationMs };
}

export interface Meter {
  load: LoadClient;
  ticksPerSecond: number;
}

export async function measurePhase(
  meter: Meter,
  subject: PhaseSubject,
  phase: Phase,
  rep: number,
): Promise<PhaseSample> {
  const cpuBefore = readCpuMicros(subject.running.pid, meter.ticksPerSecond);
  const result = await meter.load.run(jobFor(subject, phase));
  const cpuAfter = readCpuMicros(subject.running.pid, meter.ticksPerSecond);
  const sample: PhaseSample = {
    rep,
    target: subject.target.name,
    scenario: subject.scenario.name,
    phase: phase.ratePerS === undefined ? 'saturated' : 'rate',
    cpuUsPerRequest: result.completed > 0 ? (cpuAfter - cpuBefore) / result.completed : Number.NaN,
    result,
  };
  if (phase.ratePerS !== undefined) sample.ratePerS = phase.ratePerS;
  return sample;
}
