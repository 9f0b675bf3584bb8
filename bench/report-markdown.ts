// Renders a run as the markdown tables printed at the end and saved as latest.md.
import type { RunReport } from './run-report.js';
import { median } from './stats.js';
import {
  BASELINE_TARGET,
  COMPETITOR_TARGET,
  YARDSTICK_TARGET,
  type ScenarioSummary,
} from './summarize.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function count(n: number): string {
  return Number.isFinite(n) ? integer.format(n) : '–';
}

function ratio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : '–';
}

function ms(n: number | undefined): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '–';
}

function added(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(2)}`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Direct is the baseline, so its row shows absolute latency, in parentheses. */
function latencyCells(summary: ScenarioSummary, stream: boolean): string[] {
  const isBaseline = summary.target === BASELINE_TARGET;
  return summary.rates.flatMap((rate) => {
    const show = (abs: number | undefined, extra: number | undefined): string =>
      isBaseline ? `(${ms(abs)})` : added(extra);
    const cells = [show(rate.p50Ms, rate.addedP50Ms), show(rate.p99Ms, rate.addedP99Ms)];
    if (stream) cells.push(show(rate.ttfbP50Ms, rate.addedTtfbP50Ms));
    return cells;
  });
}

/** How late the load generator itself started requests: when it is short of CPU (a busy
 * neighbour), every target's tail latency grows, and the reader should know. */
function startLagNote(report: RunReport, scenario: string): string {
  const lags = report.samples
    .filter((s) => s.scenario === scenario && s.result.startLag !== undefined)
    .map((s) => s.result.startLag?.p99 ?? Number.NaN);
  const worst = lags.length > 0 ? Math.max(...lags) : Number.NaN;
  return (
    `Load-generator start lag p99: median ${ms(median(lags))} ms, worst phase ${ms(worst)} ms ` +
    `(over ~2 ms the client was itself short of CPU and p99 figures are noisy).`
  );
}

function scenarioTable(report: RunReport, scenario: string): string[] {
  const rows = report.summaries.filter((s) => s.scenario === scenario);
  if (rows.length === 0) return [];
  const stream = rows.some((s) => s.rates.some((r) => r.ttfbP50Ms !== undefined));
  const description = report.scenarios.find((s) => s.name === scenario)?.description ?? '';
  const latencyHeads = report.options.rates.flatMap((rate) => {
    const heads = [`p50 @${rate}/s`, `p99 @${rate}/s`];
    if (stream) heads.push(`TTFB p50 @${rate}/s`);
    return heads;
  });
  const competitor = rows.some((s) => s.target === COMPETITOR_TARGET);
  const vsCompetitor = competitor ? [`vs ${COMPETITOR_TARGET}`] : [];
  const heads = [
    'target',
    'req/s',
    `vs ${YARDSTICK_TARGET}`,
    ...vsCompetitor,
    'CPU µs/req',
    `vs ${YARDSTICK_TARGET}`,
    ...vsCompetitor,
    ...latencyHeads,
    'errors',
  ];
  const lines = [
    `### ${scenario}: ${description}`,
    '',
    row(heads),
    row(heads.map((_, i) => (i === 0 ? '---' : '---:'))),
  ];
  for (const s of rows) {
    lines.push(
      row([
        s.target,
        count(s.throughputPerS),
        ratio(s.throughputVsBare),
        ...(competitor ? [ratio(s.throughputVsPortkey)] : []),
        count(s.cpuUsPerRequest),
        ratio(s.cpuVsBare),
        ...(competitor ? [ratio(s.cpuVsPortkey)] : []),
        ...latencyCells(s, stream),
        count(s.errors),
      ]),
    );
  }
  lines.push('', startLagNote(report, scenario));
  const errors = rows.filter((s) => s.firstError !== undefined);
  for (const s of errors)
    lines.push('', `${s.target} first error: \`${(s.firstError ?? '').replace(/\s+/g, ' ')}\``);
  lines.push('');
  return lines;
}

function soakTable(report: RunReport): string[] {
  const windows = report.soak ?? [];
  if (windows.length === 0) return [];
  const plan = report.options.soak;
  const lines = [
    `### Soak: ${plan?.ratePerS ?? '?'} req/s open loop, ${plan?.windowS ?? '?'} s windows`,
    '',
    row([
      'target',
      'scenario',
      'end s',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'RSS MiB',
      'errors',
    ]),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const w of windows) {
    lines.push(
      row([
        w.target,
        w.scenario,
        count(w.endS),
        count(w.achievedPerS),
        ms(w.p50Ms),
        ms(w.p99Ms),
        count(w.cpuUsPerRequest),
        count(w.rssMiB),
        count(w.errors),
      ]),
    );
  }
  lines.push('');
  return lines;
}

export function renderMarkdown(report: RunReport): string {
  const { options, machine } = report;
  const lines = [
    `## Benchmark run of ${report.startedAt}`,
    '',
    `Revision ${report.revision}; ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ` +
      `${options.reps} interleaved ` +
      `repetition(s) of ${options.durationS} s phases after a warm-up of at least ${options.warmupS} s and ${options.warmupRequests} calls; ` +
      `closed loop at concurrency ${options.concurrency}; ${options.chunks} chunks per stream, ` +
      `${options.chunkDelayMs} ms apart; wall time ${Math.round(report.wallSeconds)} s.`,
    '',
    `req/s: saturated closed-loop throughput. CPU µs/req: server CPU (user + system) per ` +
      `request in that phase. Latency columns (ms): added over ${BASELINE_TARGET} at a fixed ` +
      `open-loop rate, median of repetitions; the ${BASELINE_TARGET} row gives its absolute ` +
      `latency in parentheses.`,
    '',
  ];
  for (const scenario of options.scenarios) lines.push(...scenarioTable(report, scenario));
  lines.push(...soakTable(report));
  lines.push('### Peak memory', '', row(['target', 'peak RSS MiB']), row(['---', '---:']));
  for (const target of report.targets) lines.push(row([target.name, count(target.peakRssMiB)]));
  lines.push('');
  if (report.skipped.length > 0) {
    lines.push('### Not measured', '');
    for (const skip of report.skipped) {
      const what = skip.scenario === undefined ? skip.target : `${skip.target} / ${skip.scenario}`;
      lines.push(`- ${what}: ${skip.reason.split('\n')[0] ?? ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
