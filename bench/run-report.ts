// The record of one run, as written to bench/results/latest.json.
import type { BenchOptions } from './options.js';
import type { SoakWindow } from './soak.js';
import type { PhaseSample, ScenarioSummary } from './summarize.js';

export interface Skipped {
  target: string;
  /** Absent when the whole target could not start. */
  scenario?: string;
  reason: string;
}

export interface TargetInfo {
  name: string;
  description: string;
  /** Peak resident set size (VmHWM) over the run, MiB. */
  peakRssMiB: number;
}

export interface RunReport {
  startedAt: string;
  wallSeconds: number;
  /** Commit of the measured tree, with "-dirty" when src/ had uncommitted changes. */
  revision: string;
  machine: { cpus: number; cpuModel: string; node: string; clockTicksPerSecond: number };
  options: BenchOptions;
  scenarios: { name: string; description: string; bodyBytes: number }[];
  targets: TargetInfo[];
  summaries: ScenarioSummary[];
  skipped: Skipped[];
  samples: PhaseSample[];
  /** Soak mode only: every window of every target. */
  soak?: SoakWindow[];
}
