// `npm run bench`: one benchmark run. Starts the mock upstream, the load generator and every
// target as separate processes, measures the targets interleaved, and writes the results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_POSTGRES_URL } from './bench-database.js';
import { DEFAULT_REDIS_URL } from './bench-redis.js';
import { compileStandalone } from './compile-standalone.js';
import { LoadClient } from './load-client.js';
import { jobFor, measurePhase, type Phase, type PhaseSubject } from './measure-phase.js';
import { HELP, parseOptions, type BenchOptions } from './options.js';
import { preflight } from './preflight.js';
import { clockTicksPerSecond, readPeakRssMiB, waitForQuiet } from './proc-stats.js';
import { ProcessGroup } from './process-group.js';
import { renderMarkdown } from './report-markdown.js';
import type { RunReport, Skipped } from './run-report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { soak, type SoakWindow } from './soak.js';
import { summarize, type PhaseSample } from './summarize.js';
import { loopbackUrl, type RunningTarget, type Target } from './target.js';
import { createTargets } from './targets.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/**
 * Between phases: wait until under a quarter of a core is busy, for at most 3 s, so the sockets
 * and the background work of the previous phase are done before the next one is measured.
 */
const QUIET_CORES = 0.25;
const QUIET_LIMIT_MS = 3_000;
/** The least that wait takes (one 200 ms window), for the planned time. */
const SETTLE_MS = 200;
const MOCK_START_TIMEOUT_MS = 20_000;

interface Started {
  target: Target;
  running: RunningTarget;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function treeRevision(): string {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = run(['status', '--porcelain', '--', 'src']).length > 0;
    return `${run(['rev-parse', '--short', 'HEAD'])}${dirty ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

function plannedSeconds(options: BenchOptions): number {
  if (options.soak !== undefined) {
    return options.targets.length * options.scenarios.length * options.soak.seconds;
  }
  const cells = options.targets.length * options.scenarios.length;
  const phases = 1 + options.rates.length;
  // The warm-up's floor: targets slower than warmupRequests / warmupS calls a second take longer.
  return cells * (options.warmupS + options.reps * phases * (options.durationS + SETTLE_MS / 1000));
}

/** Starts the targets one by one into `started`, which the caller stops however the run ends. */
async function startTargets(
  targets: Target[],
  started: Started[],
  skipped: Skipped[],
): Promise<void> {
  for (const target of targets) {
    try {
      started.push({ target, running: await target.start() });
      log(`started ${target.name}`);
    } catch (e: unknown) {
      const reason = e instanceof Error ? e.message : String(e);
      skipped.push({ target: target.name, reason: `did not start: ${reason}` });
      log(`${target.name} did not start: ${reason}`);
    }
  }
}

/** Stops every started target (and drops its database); a failure is logged, not thrown. */
async function stopTargets(started: Started[]): Promise<void> {
  for (const { target, running } of started) {
    await running.stop().catch((e: unknown) => {
      log(`${target.name} did not stop cleanly: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
}

/** Pairs every started target with every scenario it answers correctly. */
async function checkSubjects(
  started: Started[],
  scenarios: Scenario[],
  skipped: Skipped[],
): Promise<PhaseSubject[]> {
  const subjects: PhaseSubject[] = [];
  for (const scenario of scenarios) {
    for (const { target, running } of started) {
      const failure = await preflight(running.url, running.headers, scenario);
      if (failure === undefined) subjects.push({ target, running, scenario });
      else {
        skipped.push({ target: target.name, scenario: scenario.name, reason: failure });
        log(`${target.name} / ${scenario.name}: ${failure}`);
      }
    }
  }
  return subjects;
}

function describe(sample: PhaseSample): string {
  const r = sample.result;
  const phase = sample.ratePerS === undefined ? 'saturated' : `@${sample.ratePerS}/s`;
  const ttfb = r.ttfb === undefined ? '' : ` ttfb p50 ${r.ttfb.p50.toFixed(2)}`;
  return (
    `rep ${sample.rep} ${sample.scenario} ${phase} ${sample.target}: ` +
    `${Math.round(r.throughputPerS)} req/s, ${Math.round(sample.cpuUsPerRequest)} µs/req, ` +
    `p50 ${r.latency.p50.toFixed(2)} p99 ${r.latency.p99.toFixed(2)} ms${ttfb}` +
    (r.errors > 0 ? `, ${r.errors} errors (${r.firstError ?? ''})` : '')
  );
}

/** The longest a warm-up goes on for a slow target (Portkey serves ~600 calls a second). */
const WARMUP_CAP_MS = 30_000;
/** Warm-up load goes in slices of at least this long, checking the count between them. */
const WARMUP_SLICE_MS = 500;

/**
 * Unmeasured closed-loop load until the subject has served `warmupRequests` calls and `warmupS`
 * has passed (or WARMUP_CAP_MS has). Measured on one gateway, full path on SQLite, windows of
 * 3,000 streams: 800, 420, 330 µs per stream, then ~250 µs from the third window on; a warm-up of
 * a second (~2,000 calls) left the first repetition inside that ramp.
 */
async function warmUp(
  load: LoadClient,
  subject: PhaseSubject,
  options: BenchOptions,
): Promise<void> {
  const started = performance.now();
  let served = 0;
  let elapsedMs = 0;
  while (elapsedMs < options.warmupS * 1000 || served < options.warmupRequests) {
    if (elapsedMs >= WARMUP_CAP_MS) break;
    const durationMs = Math.max(WARMUP_SLICE_MS, options.warmupS * 1000 - elapsedMs);
    const phase = { ratePerS: undefined, durationMs, concurrency: options.concurrency };
    served += (await load.run(jobFor(subject, phase))).completed;
    elapsedMs = performance.now() - started;
  }
}

async function measure(
  load: LoadClient,
  subjects: PhaseSubject[],
  options: BenchOptions,
): Promise<PhaseSample[]> {
  const durationMs = options.durationS * 1000;
  const phases: Phase[] = [undefined, ...options.rates].map((ratePerS) => ({
    ratePerS,
    durationMs,
    concurrency: options.concurrency,
  }));
  for (const subject of subjects) await warmUp(load, subject, options);
  const meter = { load, ticksPerSecond: clockTicksPerSecond() };
  const samples: PhaseSample[] = [];
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const scenario of options.scenarios) {
      const group = subjects.filter((s) => s.scenario.name === scenario);
      for (const phase of phases) {
        // Targets take turns phase by phase (A B C A B C), each repetition starting with the
        // next one, so drift in the machine's speed falls on all of them alike.
        for (let i = 0; i < group.length; i++) {
          const subject = group[(i + rep - 1) % group.length];
          if (subject === undefined) continue;
          const sample = await measurePhase(meter, subject, phase, rep);
          samples.push(sample);
          log(describe(sample));
          const busy = await waitForQuiet(QUIET_CORES, QUIET_LIMIT_MS);
          if (busy >= QUIET_CORES) {
            log(
              `the machine stayed busy after that phase (${busy.toFixed(2)} cores): measuring on`,
            );
          }
        }
      }
    }
  }
  return samples;
}

async function run(options: BenchOptions, processes: ProcessGroup): Promise<RunReport> {
  const startedAt = new Date();
  // Taken now, as close as the run can get to the build it measures: others may commit during it.
  const revision = treeRevision();
  log(`planned measuring time ≈ ${Math.round(plannedSeconds(options))} s`);
  const workDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const mock = processes.spawn(
    'mock',
    process.execPath,
    [
      compileStandalone(repoRoot, 'bench/mock-upstream.ts'),
      '--chunks',
      String(options.chunks),
      '--chunk-delay-ms',
      String(options.chunkDelayMs),
    ],
    { cwd: repoRoot },
  );
  const upstreamUrl = loopbackUrl(await mock.readyPort(MOCK_START_TIMEOUT_MS));
  const load = await LoadClient.start(repoRoot);
  const started: Started[] = [];
  try {
    const context = {
      repoRoot,
      upstreamUrl,
      upstreamPid: mock.pid,
      processes,
      workDir,
      nodeArgs: [],
      postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
      redisUrl: process.env.BENCH_REDIS_URL ?? DEFAULT_REDIS_URL,
      baselineRoot: options.baselineRoot,
    };
    const skipped: Skipped[] = [];
    await startTargets(createTargets(options.targets, context), started, skipped);
    const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.name));
    const subjects = await checkSubjects(started, scenarios, skipped);
    const soakWindows: SoakWindow[] = [];
    const samples = options.soak === undefined ? await measure(load, subjects, options) : [];
    for (const subject of options.soak === undefined ? [] : subjects) {
      const plan = options.soak ?? { seconds: 0, windowS: 1, ratePerS: 1 };
      soakWindows.push(
        ...(await soak(load, subject, plan, (w) =>
          log(
            `soak ${w.target} ${w.scenario} ${w.endS} s: ${Math.round(w.achievedPerS)} req/s, ` +
              `p50 ${w.p50Ms.toFixed(2)} p99 ${w.p99Ms.toFixed(2)} ms, ${w.errors} errors, ` +
              `RSS ${Math.round(w.rssMiB)} MiB`,
          ),
        )),
      );
    }
    const targets = started.map(({ target, running }) => ({
      name: target.name,
      description: target.description,
      peakRssMiB: readPeakRssMiB(running.pid),
    }));
    await stopTargets(started.splice(0));
    const cpu = cpus()[0];
    return {
      startedAt: startedAt.toISOString(),
      wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
      revision,
      machine: {
        cpus: cpus().length,
        cpuModel: cpu?.model ?? 'unknown',
        node: process.version,
        clockTicksPerSecond: clockTicksPerSecond(),
      },
      options,
      scenarios: scenarios.map((s) => ({
        name: s.name,
        description: s.description,
        bodyBytes: Buffer.byteLength(s.body),
      })),
      targets,
      summaries: summarize(samples, options.targets, options.scenarios, options.rates),
      skipped,
      samples,
      ...(options.soak !== undefined && { soak: soakWindows }),
    };
  } finally {
    await stopTargets(started);
    load.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

function writeReport(report: RunReport, markdown: string, outDir: string): void {
  const dir = resolve(repoRoot, outDir);
  mkdirSync(dir, { recursive: true });
  // A soak is kept apart from the latest comparison run rather than replacing it.
  const base = report.soak === undefined ? 'latest' : 'soak';
  // JSON writes a figure that could not be measured (NaN) as null.
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md`), markdown);
  log(`wrote ${join(dir, `${base}.json`)} and ${base}.md`);
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e: unknown) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n\n${HELP}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(HELP);
    return 0;
  }
  const processes = new ProcessGroup();
  const interrupt = (): void => {
    processes.killAll();
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  process.once('exit', () => processes.killAll());
  try {
    const report = await run(options, processes);
    const markdown = renderMarkdown(report);
    writeReport(report, markdown, options.outDir);
    process.stdout.write(`\n${markdown}`);
    return report.summaries.length > 0 || (report.soak?.length ?? 0) > 0 ? 0 : 1;
  } finally {
    await processes.stopAll();
  }
}

process.exitCode = await main();
