// `npm run bench -- --soak <s>`: one target under a steady open-loop rate for a long time, in
// windows, recording per window the resident memory of its process tree and the latency the
// clients saw, so a leak (memory that keeps growing) or a slow drift in p99 is visible.
import { jobFor, type PhaseSubject } from './measure-phase.js';
import type { LoadClient } from './load-client.js';
import { clockTicksPerSecond, readCpuMicros, readRssMiB } from './proc-stats.js';

export interface SoakWindow {
  target: string;
  scenario: string;
  /** Seconds since the soak of this target began, at the end of the window. */
  endS: number;
  achievedPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuUsPerRequest: number;
  /** VmRSS of the target's process tree right after the window. */
  rssMiB: number;
}

export interface SoakPlan {
  seconds: number;
  windowS: number;
  ratePerS: number;
}

/** Runs the soak of one subject and reports each window as it ends. */
export async function soak(
  load: LoadClient,
  subject: PhaseSubject,
  plan: SoakPlan,
  report: (window: SoakWindow) => void,
): Promise<SoakWindow[]> {
  const ticks = clockTicksPerSecond();
  const windows: SoakWindow[] = [];
  const count = Math.max(1, Math.round(plan.seconds / plan.windowS));
  for (let i = 1; i <= count; i++) {
    const cpuBefore = readCpuMicros(subject.running.pid, ticks);
    const result = await load.run(
      jobFor(subject, {
        ratePerS: plan.ratePerS,
        durationMs: plan.windowS * 1000,
        concurrency: 1,
      }),
    );
    const cpu = readCpuMicros(subject.running.pid, ticks) - cpuBefore;
    const window: SoakWindow = {
      target: subject.target.name,
      scenario: subject.scenario.name,
      endS: i * plan.windowS,
      achievedPerS: result.throughputPerS,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors,
      cpuUsPerRequest: result.completed > 0 ? cpu / result.completed : Number.NaN,
      rssMiB: readRssMiB(subject.running.pid),
    };
    windows.push(window);
    report(window);
  }
  return windows;
}
