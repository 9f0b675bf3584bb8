// `npx tsx bench/profile.ts`: where one target's CPU goes. Starts the mock upstream and the target
// under `node --cpu-prof`, drives one load phase with the bench's load generator, stops the target
// with SIGINT (an orderly exit, which writes the profile) and prints the self time of the measured
// window by group (node internals, each package, each folder of the gateway) in µs per request.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summarizeProfile, type TimeShare } from './cpu-profile-summary.js';
import { jobFor } from './measure-phase.js';
import { withSingleTarget } from './single-target.js';
import { clockTicksPerSecond, readCpuMicros, readThreadCpuMicros } from './proc-stats.js';

const HELP = `Usage: npx tsx bench/profile.ts [options]

Profiles one benchmark target with node --cpu-prof under one load phase and prints its CPU per
request by package and by gateway folder. See docs/benchmarks.md ("Where the time goes").

Options:
  --target <name>       target to profile (default tollgate)
  --scenario <name>     request shape (default chat)
  --rate <n>            open-loop rate in req/s; 0 for a closed loop at --concurrency (default 1000)
  --concurrency <n>     closed-loop clients when --rate is 0 (default 32)
  --duration <s>        profiled phase (default 20)
  --warmup <s>          unprofiled load first (default 3)
  --interval <µs>       sampling interval (default 250)
  --top <n>             functions listed (default 20)
  --keep <dir>          copy the .cpuprofile there (open it in Chrome DevTools or speedscope)
`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function printTable(
  title: string,
  rows: TimeShare[],
  total: number,
  perRequest: (micros: number) => number,
): void {
  process.stdout.write(`\n| ${title} | µs/req | share |\n| --- | ---: | ---: |\n`);
  for (const row of rows) {
    const share = ((100 * row.micros) / total).toFixed(1);
    process.stdout.write(`| ${row.name} | ${perRequest(row.micros).toFixed(1)} | ${share}% |\n`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'tollgate' },
      scenario: { type: 'string', default: 'chat' },
      rate: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '32' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      interval: { type: 'string', default: '250' },
      top: { type: 'string', default: '20' },
      keep: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const rate = Number(values.rate);
  const concurrency = Number(values.concurrency);
  const profileDir = (workDir: string): string => join(workDir, 'profile');
  await withSingleTarget(
    {
      repoRoot,
      target: values.target,
      scenario: values.scenario,
      nodeArgs: (workDir) => [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir(workDir)}`,
        `--cpu-prof-interval=${values.interval}`,
      ],
    },
    async ({ subject, running, load, workDir }) => {
      const { target, scenario } = subject;
      const phase = (durationS: number) => ({
        ratePerS: rate > 0 ? rate : undefined,
        durationMs: durationS * 1000,
        concurrency,
      });
      await load.run(jobFor(subject, phase(Number(values.warmup))));
      const ticks = clockTicksPerSecond();
      const cpuBefore = readCpuMicros(running.pid, ticks);
      const threadsBefore = readThreadCpuMicros(running.pid, ticks);
      const from = monotonicMicros();
      const result = await load.run(jobFor(subject, phase(Number(values.duration))));
      const to = monotonicMicros();
      const cpu = readCpuMicros(running.pid, ticks) - cpuBefore;
      const threads = [...readThreadCpuMicros(running.pid, ticks)].map(([name, micros]) => ({
        name,
        micros: micros - (threadsBefore.get(name) ?? 0),
      }));
      const mainCpu = threads.find((t) => t.name === 'main thread')?.micros ?? Number.NaN;
      await running.stop('SIGINT');

      const file = readdirSync(profileDir(workDir)).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error('the target wrote no profile');
      if (values.keep !== undefined) {
        mkdirSync(values.keep, { recursive: true });
        copyFileSync(join(profileDir(workDir), file), resolve(values.keep, file));
      }
      const window = summarizeProfile(join(profileDir(workDir), file), from, to);
      const n = result.completed;
      const perRequest = (micros: number): number => micros / n;
      const loadShape =
        rate > 0 ? `open loop at ${rate} req/s` : `closed loop, ${concurrency} clients`;
      process.stdout.write(
        `${target.name} / ${scenario.name}, ${loadShape}, ${values.duration} s: ${n} requests, ` +
          `${result.errors} errors; process CPU ${(cpu / n).toFixed(0)} µs per request ` +
          `(v8:ProfEvntProc is the profiler's own thread)\n`,
      );
      threads.sort((a, b) => b.micros - a.micros);
      printTable('thread (from /proc)', threads, cpu, perRequest);
      // Samples count wall time. V8 marks the thread idle while libuv polls, which includes the
      // native work done there before any JS runs (socket reads, node:http's C parser, the
      // kernel's network processing), so busy samples miss that part of the thread's CPU.
      const rest = mainCpu - window.busyMicros;
      process.stdout.write(
        `\nMain thread: ${perRequest(mainCpu).toFixed(0)} µs CPU per request; busy in the ` +
          `profile ${perRequest(window.busyMicros).toFixed(0)} µs; the other ` +
          `${perRequest(rest).toFixed(0)} µs ran while V8 counted the thread as idle (native I/O ` +
          `in the event-loop poll: socket reads, node:http's parser, kernel network work)` +
          `${rest < 0 ? '; negative: the machine was short of CPU and samples overcount' : ''}\n`,
      );
      const top = window.functions.slice(0, Number(values.top));
      printTable('main thread busy, by group', window.groups, window.busyMicros, perRequest);
      printTable('main thread busy, top functions', top, window.busyMicros, perRequest);
    },
  );
}

await main();
