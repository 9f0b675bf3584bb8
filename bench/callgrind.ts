// `npm run bench:callgrind`: instructions per request of one target, counted by valgrind's
// callgrind. CPU time on a shared machine moves by 20-50 % between runs of the same build; the
// number of instructions a call executes moves by 1-3 %, which is what a before/after of a small
// change needs. Starts the mock upstream, the target under `valgrind --tool=callgrind` with
// instrumentation off, sends unmeasured load (V8 compiles the hot code), switches instrumentation
// on for the measured phase only, and reads each thread's total once the target has exited.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jobFor } from './measure-phase.js';
import { withSingleTarget } from './single-target.js';

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
  --keep <dir>          copy callgrind's output files there, for callgrind_annotate (names
                        V8's builtins and node's C++; compiled JavaScript shows as addresses)
`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
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
      keep: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const concurrency = Number(values.concurrency);
  const outDir = (workDir: string): string => join(workDir, 'callgrind');
  const line = await withSingleTarget(
    {
      repoRoot,
      target: values.target,
      scenario: values.scenario,
      launcher: (workDir) => {
        mkdirSync(outDir(workDir));
        return [
          'valgrind',
          '--tool=callgrind',
          '--instr-atstart=no',
          '--separate-threads=yes',
          `--callgrind-out-file=${join(outDir(workDir), 'callgrind.out.%p')}`,
        ];
      },
      baselineRoot: values.baseline,
    },
    async ({ subject, running, load, workDir }) => {
      const phase = (seconds: number) => ({
        ratePerS: undefined,
        durationMs: seconds * 1000,
        concurrency,
      });
      // Warm-up by count: V8 optimises a gateway's hot paths only after thousands of calls.
      const warmup = Number(values['warmup-requests']);
      for (let served = 0; served < warmup;) {
        served += (await load.run(jobFor(subject, phase(WARMUP_SLICE_S)))).completed;
      }
      execFileSync('callgrind_control', ['--instr=on', String(running.pid)], { stdio: 'ignore' });
      const result = await load.run(jobFor(subject, phase(Number(values.duration))));
      execFileSync('callgrind_control', ['--instr=off', String(running.pid)], { stdio: 'ignore' });
      // An orderly exit writes the counts.
      await running.stop('SIGINT');
      if (values.keep !== undefined) cpSync(outDir(workDir), values.keep, { recursive: true });
      const totals = threadTotals(outDir(workDir));
      const n = result.completed;
      const perCall = (count: number): string => `${(count / n / 1000).toFixed(1)}k`;
      const [main = 0, ...others] = totals;
      return (
        `${subject.target.name} / ${subject.scenario.name}: ${n} requests measured ` +
        `(${result.errors} errors), ${concurrency} clients; instructions per request: main ` +
        `thread ${perCall(main)}, all threads ${perCall(totals.reduce((a, b) => a + b, 0))} ` +
        `(other threads: ${
          others
            .filter((t) => t > 0)
            .map(perCall)
            .join(', ') || 'none'
        })\n`
      );
    },
  );
  process.stdout.write(line);
}

await main();
