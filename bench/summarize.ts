// Reduces the per-repetition samples of a run to one row per target and scenario: medians over
// repetitions, "added" latency against direct and ratios against bare taken within each
// repetition (so both sides of a comparison were measured minutes, not hours, apart).
import type { LoadResult } from './load-protocol.js';
import { median } from './stats.js';

export interface PhaseSample {
  rep: number;
  target: string;
  scenario: string;
  phase: 'saturated' | 'rate';
  ratePerS?: number;
  /** Server CPU (user + system) per completed request, in microseconds. */
  cpuUsPerRequest: number;
  result: LoadResult;
}

export interface RateSummary {
  ratePerS: number;
  achievedPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Over direct's figure in the same repetition; NaN for direct itself. */
  addedP50Ms: number;
  addedP99Ms: number;
  ttfbP50Ms?: number;
  ttfbP99Ms?: number;
  addedTtfbP50Ms?: number;
  addedTtfbP99Ms?: number;
  cpuUsPerRequest: number;
}

export interface ScenarioSummary {
  target: string;
  scenario: string;
  throughputPerS: number;
  throughputVsBare: number;
  cpuUsPerRequest: number;
  cpuVsBare: number;
  rates: RateSummary[];
  errors: number;
  firstError?: string;
}

export const BASELINE_TARGET = 'direct';
export const YARDSTICK_TARGET = 'bare';

type Pick = (result: LoadResult) => number | undefined;

class SampleIndex {
  private readonly byKey = new Map<string, PhaseSample>();

  constructor(samples: readonly PhaseSample[]) {
    for (const s of samples) this.byKey.set(SampleIndex.key(s.rep, s.target, s.scenario, s.ratePerS), s);
  }

  private static key(rep: number, target: string, scenario: string, rate?: number): string {
    return `${rep}|${target}|${scenario}|${rate ?? 'saturated'}`;
  }

  get(rep: number, target: string, scenario: string, rate?: number): PhaseSample | undefined {
    return this.byKey.get(SampleIndex.key(rep, target, scenario, rate));
  }
}

export function summarize(
  samples: readonly PhaseSample[],
  targets: readonly string[],
  scenarios: readonly string[],
  rates: readonly number[],
): ScenarioSummary[] {
  const index = new SampleIndex(samples);
  const reps = [...new Set(samples.map((s) => s.rep))];
  const summaries: ScenarioSummary[] = [];
  for (const scenario of scenarios) {
    for (const target of targets) {
      const own = samples.filter((s) => s.target === target && s.scenario === scenario);
      if (own.length === 0) continue;
      // The median over repetitions of a figure, or of its difference/ratio to another target's.
      const across = (rate: number | undefined, pick: Pick): number =>
        median(reps.map((rep) => valueOf(index.get(rep, target, scenario, rate), pick)));
      const against = (other: string, rate: number | undefined, pick: Pick, op: 'minus' | 'over'): number =>
        median(
          reps.map((rep) => {
            const mine = valueOf(index.get(rep, target, scenario, rate), pick);
            const theirs = valueOf(index.get(rep, other, scenario, rate), pick);
            return op === 'minus' ? mine - theirs : mine / theirs;
          }),
        );
      const cpu = (rate: number | undefined): number =>
        median(reps.map((rep) => index.get(rep, target, scenario, rate)?.cpuUsPerRequest ?? Number.NaN));
      const added = (rate: number, pick: Pick): number =>
        target === BASELINE_TARGET ? Number.NaN : against(BASELINE_TARGET, rate, pick, 'minus');
      const stream = own.some((s) => s.result.ttfb !== undefined);
      const p50: Pick = (r) => r.latency.p50;
      const p99: Pick = (r) => r.latency.p99;
      const ttfb50: Pick = (r) => r.ttfb?.p50;
      const ttfb99: Pick = (r) => r.ttfb?.p99;
      const throughput: Pick = (r) => r.throughputPerS;
      const firstError = own.find((s) => s.result.firstError !== undefined)?.result.firstError;
      summaries.push({
        target,
        scenario,
        throughputPerS: across(undefined, throughput),
        throughputVsBare: against(YARDSTICK_TARGET, undefined, throughput, 'over'),
        cpuUsPerRequest: cpu(undefined),
        cpuVsBare: median(
          reps.map(
            (rep) =>
              (index.get(rep, target, scenario)?.cpuUsPerRequest ?? Number.NaN) /
              (index.get(rep, YARDSTICK_TARGET, scenario)?.cpuUsPerRequest ?? Number.NaN),
          ),
        ),
        rates: rates.map((rate) => ({
          ratePerS: rate,
          achievedPerS: across(rate, throughput),
          p50Ms: across(rate, p50),
          p99Ms: across(rate, p99),
          addedP50Ms: added(rate, p50),
          addedP99Ms: added(rate, p99),
          cpuUsPerRequest: cpu(rate),
          ...(stream && {
            ttfbP50Ms: across(rate, ttfb50),
            ttfbP99Ms: across(rate, ttfb99),
            addedTtfbP50Ms: added(rate, ttfb50),
            addedTtfbP99Ms: added(rate, ttfb99),
          }),
        })),
        errors: own.reduce((sum, s) => sum + s.result.errors, 0),
        ...(firstError !== undefined && { firstError }),
      });
    }
  }
  return summaries;
}

function valueOf(sample: PhaseSample | undefined, pick: Pick): number {
  return sample === undefined ? Number.NaN : (pick(sample.result) ?? Number.NaN);
}
