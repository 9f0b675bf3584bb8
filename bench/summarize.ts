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
  /** Against the Portkey gateway in the same repetition; NaN when it was not measured. */
  throughputVsPortkey: number;
  cpuUsPerRequest: number;
  cpuVsBare: number;
  cpuVsPortkey: number;
  rates: RateSummary[];
  errors: number;
  firstError?: string;
}

export const BASELINE_TARGET = 'direct';
export const YARDSTICK_TARGET = 'bare';
/** The other TypeScript gateway, the second reference for ratios. */
export const COMPETITOR_TARGET = 'portkey';

/** One figure of a sample; undefined when the sample has no such figure. */
type Pick = (sample: PhaseSample) => number | undefined;

const throughput: Pick = (s) => s.result.throughputPerS;
const cpu: Pick = (s) => s.cpuUsPerRequest;
const p50: Pick = (s) => s.result.latency.p50;
const p99: Pick = (s) => s.result.latency.p99;
const ttfb50: Pick = (s) => s.result.ttfb?.p50;
const ttfb99: Pick = (s) => s.result.ttfb?.p99;

function sampleKey(rep: number, target: string, scenario: string, rate?: number): string {
  return `${rep}|${target}|${scenario}|${rate ?? 'saturated'}`;
}

export function summarize(
  samples: readonly PhaseSample[],
  targets: readonly string[],
  scenarios: readonly string[],
  rates: readonly number[],
): ScenarioSummary[] {
  const index = new Map(
    samples.map((s) => [sampleKey(s.rep, s.target, s.scenario, s.ratePerS), s]),
  );
  const reps = [...new Set(samples.map((s) => s.rep))];
  const summaries: ScenarioSummary[] = [];
  for (const scenario of scenarios) {
    const value = (rep: number, target: string, rate: number | undefined, pick: Pick): number => {
      const sample = index.get(sampleKey(rep, target, scenario, rate));
      return sample === undefined ? Number.NaN : (pick(sample) ?? Number.NaN);
    };
    for (const target of targets) {
      const own = samples.filter((s) => s.target === target && s.scenario === scenario);
      if (own.length === 0) continue;
      // The median over repetitions of a figure, or of its difference or ratio to another
      // target's figure in the same repetition.
      const across = (rate: number | undefined, pick: Pick): number =>
        median(reps.map((rep) => value(rep, target, rate, pick)));
      const over = (other: string, pick: Pick): number =>
        median(
          reps.map(
            (rep) => value(rep, target, undefined, pick) / value(rep, other, undefined, pick),
          ),
        );
      const added = (rate: number, pick: Pick): number =>
        target === BASELINE_TARGET
          ? Number.NaN
          : median(
              reps.map(
                (rep) => value(rep, target, rate, pick) - value(rep, BASELINE_TARGET, rate, pick),
              ),
            );
      const stream = own.some((s) => s.result.ttfb !== undefined);
      const firstError = own.find((s) => s.result.firstError !== undefined)?.result.firstError;
      summaries.push({
        target,
        scenario,
        throughputPerS: across(undefined, throughput),
        throughputVsBare: over(YARDSTICK_TARGET, throughput),
        throughputVsPortkey: over(COMPETITOR_TARGET, throughput),
        cpuUsPerRequest: across(undefined, cpu),
        cpuVsBare: over(YARDSTICK_TARGET, cpu),
        cpuVsPortkey: over(COMPETITOR_TARGET, cpu),
        rates: rates.map((rate) => ({
          ratePerS: rate,
          achievedPerS: across(rate, throughput),
          p50Ms: across(rate, p50),
          p99Ms: across(rate, p99),
          addedP50Ms: added(rate, p50),
          addedP99Ms: added(rate, p99),
          cpuUsPerRequest: across(rate, cpu),
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
