// Command-line options of `npm run bench`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenarios.js';
import { DEFAULT_TARGETS, TARGETS } from './targets.js';

export interface BenchOptions {
  /** Seconds per measured phase. */
  durationS: number;
  /** Seconds of unmeasured load per target and scenario before the first repetition. */
  warmupS: number;
  /** ...and at least this many unmeasured calls (up to WARMUP_CAP_S), so that every target's JIT
   * has settled: a gateway's first few thousand calls cost two to three times its steady state. */
  warmupRequests: number;
  reps: number;
  rates: number[];
  scenarios: string[];
  targets: string[];
  concurrency: number;
  chunks: number;
  chunkDelayMs: number;
  outDir: string;
  /** Another built checkout of Tollgate, for the baseline targets. */
  baselineRoot?: string;
  /** Soak mode (`--soak <s>`): this long at `soakRate` per target, instead of the phases. */
  soak?: { seconds: number; windowS: number; ratePerS: number };
}

/** What a soak measures unless --targets / --scenarios say otherwise. */
const SOAK_TARGETS = ['tollgate-full-sqlite'];
const SOAK_SCENARIOS = ['chat'];

export const HELP = `Usage: npm run bench -- [options]

Measures Tollgate against a bare Node proxy and a direct connection to a mock upstream, all on
loopback, and writes bench/results/latest.{json,md}. See docs/benchmarks.md.

Options:
  --duration <s>         seconds per measured phase (default 2.5; --quick: 1)
  --warmup <s>           unmeasured load per target and scenario before measuring (default 1)
  --warmup-requests <n>  ...and at least this many unmeasured calls, for at most 30 s (default
                         10000; --quick: 2000): a gateway's JIT settles only after thousands
                         of calls
  --reps <n>             interleaved repetitions; medians are reported (default 3; --quick: 1)
  --rates <list>         open-loop rates in req/s for latency (default 200,400,800)
  --scenarios <list>     ${SCENARIOS.map((s) => s.name).join(',')} (default: all)
  --targets <list>       ${Object.keys(TARGETS).join(',')} (default: ${DEFAULT_TARGETS.join(',')});
                         direct is always added, as the latency baseline; bare-redis and
                         bare-sqlite are the bare proxy plus one Redis admission or one batched
                         SQLite spend-log row per call: the floors of cluster mode and the full
                         path on SQLite
  --concurrency <n>      closed-loop clients for the throughput phase (default 32)
  --chunks <n>           content chunks per streamed completion (default 8)
  --chunk-delay-ms <ms>  mock upstream pause between streamed chunks (default 0)
  --out <dir>            where latest.json and latest.md go (default bench/results)
  --baseline <dir>       another checkout of Tollgate, already built (dist/main.js), measured
                         in the same run as the targets baseline and baseline-vkey-sqlite
                         (adds them when --targets names neither): a before/after comparison
  --quick                a smoke run: --duration 1 --warmup 0.5 --warmup-requests 2000 --reps 1
  --soak <s>             soak mode: each target in turn (default tollgate-full-sqlite, scenario
                         chat) at a fixed open-loop rate for <s> seconds, reporting RSS, p50/p99,
                         CPU and errors per window (writes soak.{json,md})
  --soak-rate <n>        req/s during a soak (default 400)
  --soak-window <s>      length of a soak window (default 60)
  --help                 this text

Environment:
  BENCH_POSTGRES_URL     server for tollgate-vkey-postgres, as a role that may create databases
                         (default postgresql://postgres@127.0.0.1:5432/test)
  BENCH_REDIS_URL        Redis for tollgate-cluster and bare-redis, used under a run-unique key
                         prefix that is deleted after (default redis://127.0.0.1:6379)

The portkey target installs bench/package.json (npm ci --prefix bench) on first use.
`;

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function positive(name: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new Error(
      `--${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`,
    );
  }
  return n;
}

function checkNames(flag: string, names: string[], known: readonly string[]): string[] {
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`--${flag}: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  return names;
}

/** Returns undefined when --help was asked for. */
export function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'warmup-requests': { type: 'string' },
      reps: { type: 'string' },
      rates: { type: 'string', default: '200,400,800' },
      scenarios: { type: 'string' },
      targets: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      chunks: { type: 'string', default: '8' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      out: { type: 'string', default: 'bench/results' },
      baseline: { type: 'string' },
      quick: { type: 'boolean', default: false },
      soak: { type: 'string' },
      'soak-rate': { type: 'string', default: '400' },
      'soak-window': { type: 'string', default: '60' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const soak =
    values.soak === undefined
      ? undefined
      : {
          seconds: positive('soak', values.soak),
          windowS: positive('soak-window', values['soak-window']),
          ratePerS: positive('soak-rate', values['soak-rate']),
        };
  const defaultTargets = soak === undefined ? DEFAULT_TARGETS : SOAK_TARGETS;
  const defaultScenarios = soak === undefined ? SCENARIOS.map((s) => s.name) : SOAK_SCENARIOS;
  let targets = checkNames(
    'targets',
    values.targets === undefined ? defaultTargets : list(values.targets),
    Object.keys(TARGETS),
  );
  const baselineRoot = values.baseline === undefined ? undefined : resolve(values.baseline);
  if (baselineRoot !== undefined && !targets.some((t) => t.startsWith('baseline'))) {
    targets = [...targets, 'baseline', 'baseline-vkey-sqlite'];
  }
  return {
    durationS: positive('duration', values.duration ?? (quick ? '1' : '2.5')),
    warmupS: positive('warmup', values.warmup ?? (quick ? '0.5' : '1'), true),
    warmupRequests: Math.round(
      positive('warmup-requests', values['warmup-requests'] ?? (quick ? '2000' : '10000'), true),
    ),
    reps: Math.round(positive('reps', values.reps ?? (quick ? '1' : '3'))),
    rates: list(values.rates).map((rate) => positive('rates', rate)),
    scenarios: checkNames(
      'scenarios',
      values.scenarios === undefined ? defaultScenarios : list(values.scenarios),
      SCENARIOS.map((s) => s.name),
    ),
    // A soak measures one process over time, with nothing to subtract.
    targets: targets.includes('direct') || soak !== undefined ? targets : ['direct', ...targets],
    concurrency: Math.round(positive('concurrency', values.concurrency)),
    chunks: Math.round(positive('chunks', values.chunks)),
    chunkDelayMs: positive('chunk-delay-ms', values['chunk-delay-ms'], true),
    outDir: values.out,
    baselineRoot,
    soak,
  };
}
