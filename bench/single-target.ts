// One benchmark target started on its own against its own mock upstream, with the load generator
// ready: what bench/profile.ts and bench/callgrind.ts measure, each in its own way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POSTGRES_URL } from './bench-database.js';
import { DEFAULT_REDIS_URL } from './bench-redis.js';
import { compileStandalone } from './compile-standalone.js';
import { LoadClient } from './load-client.js';
import type { PhaseSubject } from './measure-phase.js';
import { preflight } from './preflight.js';
import { ProcessGroup } from './process-group.js';
import { SCENARIOS } from './scenarios.js';
import { loopbackUrl, type RunningTarget } from './target.js';
import { createTargets } from './targets.js';

const START_TIMEOUT_MS = 20_000;

export interface SingleTargetOptions {
  repoRoot: string;
  target: string;
  scenario: string;
  /** A fresh temporary directory of the run (removed after it) → extra node flags of the target. */
  nodeArgs?: (workDir: string) => string[];
  /** ...and the command the target runs under. */
  launcher?: (workDir: string) => string[];
  /** A built checkout for the `baseline*` targets. */
  baselineRoot?: string;
}

export interface SingleTarget {
  subject: PhaseSubject;
  running: RunningTarget;
  load: LoadClient;
  workDir: string;
}

/** Starts the mock and the target, checks one request, runs `measure`, then stops everything. */
export async function withSingleTarget<T>(
  options: SingleTargetOptions,
  measure: (started: SingleTarget) => Promise<T>,
): Promise<T> {
  const scenario = SCENARIOS.find((s) => s.name === options.scenario);
  if (scenario === undefined) throw new Error(`unknown scenario "${options.scenario}"`);
  const { repoRoot } = options;
  const processes = new ProcessGroup();
  const workDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-one-'));
  const load = await LoadClient.start(repoRoot);
  try {
    const mockScript = compileStandalone(repoRoot, 'bench/mock-upstream.ts');
    const mock = processes.spawn('mock', process.execPath, [mockScript], { cwd: repoRoot });
    const upstreamUrl = loopbackUrl(await mock.readyPort(START_TIMEOUT_MS));
    const [target] = createTargets([options.target], {
      repoRoot,
      upstreamUrl,
      upstreamPid: mock.pid,
      processes,
      workDir,
      nodeArgs: options.nodeArgs?.(workDir) ?? [],
      launcher: options.launcher?.(workDir),
      postgresUrl: process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
      redisUrl: process.env.BENCH_REDIS_URL ?? DEFAULT_REDIS_URL,
      baselineRoot: options.baselineRoot,
    });
    if (target === undefined) throw new Error('no target');
    const running = await target.start();
    try {
      const failure = await preflight(running.url, running.headers, scenario);
      if (failure !== undefined) throw new Error(failure);
      return await measure({ subject: { target, running, scenario }, running, load, workDir });
    } finally {
      await running.stop();
    }
  } finally {
    load.stop();
    await processes.stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}
