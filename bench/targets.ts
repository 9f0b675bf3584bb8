// The registry of benchmark targets, by the name used with --targets.
import { createPostgresDatabase, createSqliteDatabase } from './bench-database.js';
import { compileStandalone } from './compile-standalone.js';
import { loopbackUrl, type Target, type TargetContext, type TargetFactory } from './target.js';
import { createTollgateTarget } from './tollgate-target.js';

const START_TIMEOUT_MS = 20_000;

/** The mock itself: the latency baseline every "added" figure is measured against. */
const direct: TargetFactory = (context) => ({
  name: 'direct',
  description: 'straight to the mock upstream (baseline for added latency)',
  // The mock belongs to the run, not to this target, so stopping the target leaves it running.
  start: () =>
    Promise.resolve({
      url: context.upstreamUrl,
      pid: context.upstreamPid,
      headers: { authorization: 'Bearer sk-upstream' },
      stop: async () => {},
    }),
});

const bare: TargetFactory = (context) => ({
  name: 'bare',
  description: 'bare Node proxy, node:http + undici (the yardstick for ratios)',
  start: async () => {
    const script = compileStandalone(context.repoRoot, 'bench/bare-proxy.ts');
    const service = context.processes.spawn(
      'bare',
      process.execPath,
      [...context.nodeArgs, script, '--upstream', context.upstreamUrl],
      { cwd: context.repoRoot },
    );
    const port = await service.readyPort(START_TIMEOUT_MS);
    return {
      url: loopbackUrl(port),
      pid: service.pid,
      headers: { authorization: 'Bearer sk-bench-master' },
      stop: (signal) => service.stop(signal),
    };
  },
});

const tollgate: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate',
    description: 'Tollgate (dist/main.js), master key, --no-database',
  });

const tollgateVkeySqlite: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-vkey-sqlite',
    description: 'Tollgate, virtual key, fresh SQLite file',
    createDatabase: () => createSqliteDatabase(context.workDir, 'tollgate-vkey-sqlite'),
  });

const tollgateVkeyPostgres: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-vkey-postgres',
    description: 'Tollgate, virtual key, fresh PostgreSQL database',
    createDatabase: () => createPostgresDatabase(context.postgresUrl),
  });

/** Another build of Tollgate (`--baseline <dir>`), measured in the same run: a before/after
 * comparison whose two sides share every phase's machine conditions. */
function baselineRoot(context: TargetContext): string {
  if (context.baselineRoot === undefined) {
    throw new Error('the baseline targets need --baseline <dir of another built checkout>');
  }
  return context.baselineRoot;
}

const baseline: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'baseline',
    description: 'the --baseline build of Tollgate, master key, --no-database',
    root: baselineRoot(context),
  });

const baselineVkeySqlite: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'baseline-vkey-sqlite',
    description: 'the --baseline build of Tollgate, virtual key, fresh SQLite file',
    root: baselineRoot(context),
    createDatabase: () => createSqliteDatabase(context.workDir, 'baseline-vkey-sqlite'),
  });

export const DEFAULT_TARGETS = [
  'direct',
  'bare',
  'tollgate',
  'tollgate-vkey-sqlite',
  'tollgate-vkey-postgres',
];

export const TARGETS: Readonly<Record<string, TargetFactory>> = {
  direct,
  bare,
  tollgate,
  'tollgate-vkey-sqlite': tollgateVkeySqlite,
  'tollgate-vkey-postgres': tollgateVkeyPostgres,
  baseline,
  'baseline-vkey-sqlite': baselineVkeySqlite,
};

export function createTargets(names: readonly string[], context: TargetContext): Target[] {
  return names.map((name) => {
    const factory = TARGETS[name];
    if (factory === undefined) {
      throw new Error(`unknown target "${name}"; known: ${Object.keys(TARGETS).join(', ')}`);
    }
    return factory(context);
  });
}
