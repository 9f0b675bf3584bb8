// `npm run bench:callgrind`: instructions per request of one target, counted by valgrind's
// callgrind. CPU time on a shared machine moves by 20-50 % between runs of the same build; the
// number of instructions a call executes moves by 1-3 %, which is what a before/after of a small
// change needs. Starts the mock upstream, the target under `valgrind --tool=callgrind` with
// instrumentation off, sends unmeasured load (V8 compiles the hot code), switches instrumentation
// on for the measured phase only, and reads each thread's total once the target has exited.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_POSTGRES_URL } from './bench-database.js';
import { DEFAULT_REDIS_URL } from './bench-redis.js';
import { compileStandalone } from './compile-standalone.js';
import { LoadClient } from './load-client.js';
import { jobFor, type PhaseSubject } from './measure-phase.js';
import { preflight } from './preflight.js';
import { ProcessGroup } from './process-group.js';
import { SCENARIOS } from './scenarios.js';
import { loopbackUrl } from './target.js';
import { createTargets } from './targets.js';

const HELP = `Usage: npm run bench:callgrind -- [options]

Counts the instructions per request of one benchmark target with valgrind's callgrind (needs
valgrind and callgrind_control). See docs/benchmarks.md ("Counting instructions").

Options:
  --target <name>       target to measure (default tollgate; any name of npm run bench, with
                        --baseline <dir> for the baseline targets)
  --scenario <name>     request shape (default chat)
  --concurrency <n>     closed-loop clients (default 8)
  --warmup-requests <n> unmeasured calls first, until V8 has compiled the hot code (default
                        4000; under valgrind a call is ~50x slower: a minute or two)
  --duration <s>        measured phase (default 20)
  --baseline <dir>      another checkout of Tollgate, built, for the baseline targets
`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 20_000;
/** Warm-up load goes in slices this long (s), counting the calls served between them. */
const WARMUP_SLICE_S = 5;

/** Instructions (`totals:`) of each thread's output file, main thread (`-01`) first. */
function threadTotals(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => /^callgrind\.out\.\d+-\d+$/.test(name))
    .sort()
    .map((name) => {
      const match = /^totals: (\d+)$/m.exec(readFileSync(join(dir, name), 'utf8'));
      return match ? Number(match[1]) : 0;
    });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'tollgate' },
      scenario: { type: 'string', default: 'chat' },
      concurrency: { type: 'string', default: '8' },
      'warmup-requests': { type: 'string', default: '4000' },
      duration: { type: 'string', default: '20' },
      baseline: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const scenario = SCENARIOS.find((s) => s.name === values.scenario);
  if (scenario === undefined) throw new Error(`unknown scenario "${values.scenario}"`);
  const concurrency = Number(values.concurrency);

  const processes = new ProcessGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'tollgate-callgrind-'));
  const outDir = join(workDir, 'callgrind');
  mkdirSync(outDir);
  const load = await LoadClient.start(repoRoot);
  try {
    const mockScript = compileStandalone(repoRoot, 'bench/mock-upstream.ts');
    const mock = processes.spawn('mock', process.execPath, [mockScript], { cwd: repoRoot });
    const upstreamUrl = loopbackUrl(await mock.readyPort(START_TIMEOUT_MS));
    const [target] = createTargets([values.target], {
      repoRoot,
      upstreamUrl,
      upstreamPid: mock.pid,
      processes,
      workDir,
      nodeArgs: [],
      launcher: [
        'valgrind',
        '--tool=callgrind',
        '--instr-atstart=no',
        '--separate-threads=yes',
        `--callgrind-out-file=${join(outDir, 'callgrind.out.%p')}`,
      ],
      postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
      redisUrl: process.env.BENCH_REDIS_URL ?? DEFAULT_REDIS_URL,
      baselineRoot: values.baseline,
    });
    if (target === undefined) throw new Error('no target');
    const running = await target.start();
    try {
      const failure = await preflight(running.url, running.headers, scenario);
      if (failure !== undefined) throw new Error(failure);
      const subject: PhaseSubject = { target, running, scenario };
      const phase = (seconds: string) => ({
        ratePerS: undefined,
        durationMs: Number(seconds) * 1000,
        concurrency,
      });
      // Warm-up by count: V8 optimises a gateway's hot paths only after thousands of calls.
      const warmup = Number(values['warmup-requests']);
      for (let served = 0; served < warmup;) {
        served += (await load.run(jobFor(subject, phase(String(WARMUP_SLICE_S))))).completed;
      }
      execFileSync('callgrind_control', ['--instr=on', String(running.pid)], { stdio: 'ignore' });
      const result = await load.run(jobFor(subject, phase(values.duration)));
      execFileSync('callgrind_control', ['--instr=off', String(running.pid)], { stdio: 'ignore' });
      // An orderly exit writes the counts.
      await running.stop('SIGINT');
      const totals = threadTotals(outDir);
      const n = result.completed;
      const perCall = (count: number): string => `${(count / n / 1000).toFixed(1)}k`;
      const [main = 0, ...others] = totals;
      process.stdout.write(
        `${target.name} / ${scenario.name}: ${n} requests measured (${result.errors} errors), ` +
          `${concurrency} clients; instructions per request: main thread ${perCall(main)}, ` +
          `all threads ${perCall(totals.reduce((a, b) => a + b, 0))} ` +
          `(other threads: ${
            others
              .filter((t) => t > 0)
              .map(perCall)
              .join(', ') || 'none'
          })\n`,
      );
    } finally {
      await running.stop();
    }
  } finally {
    load.stop();
    await processes.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
