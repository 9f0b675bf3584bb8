// The registry of benchmark targets, by the name used with --targets.
import { createPostgresDatabase, createSqliteDatabase } from './bench-database.js';
import { createRedisEnvironment } from './bench-redis.js';
import { compileStandalone } from './compile-standalone.js';
import { portkey } from './portkey-target.js';
import { loopbackUrl, type Target, type TargetContext, type TargetFactory } from './target.js';
import { createTollgateTarget, FULL_PATH_KEY_REQUEST } from './tollgate-target.js';

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

/** The full path of the design notes: virtual key, model access, budget and rate-limit
 * admission, pricing, spend booking and the spend log. */
const tollgateFullSqlite: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-full-sqlite',
    description: 'Tollgate, full path (key with budget, rpm/tpm, parallel limit; priced), SQLite',
    createDatabase: () => createSqliteDatabase(context.workDir, 'tollgate-full-sqlite'),
    keyRequest: FULL_PATH_KEY_REQUEST,
  });

const tollgateFullPostgres: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-full-postgres',
    description: 'Tollgate, full path, fresh PostgreSQL database',
    createDatabase: () => createPostgresDatabase(context.postgresUrl),
    keyRequest: FULL_PATH_KEY_REQUEST,
  });

/** One replica in cluster mode: admission counters and cache invalidations go through Redis. */
const tollgateCluster: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-cluster',
    description: 'Tollgate, full path, cluster mode: PostgreSQL + Redis (own key prefix)',
    createDatabase: () => createPostgresDatabase(context.postgresUrl),
    createEnvironment: () => createRedisEnvironment(context.redisUrl),
    keyRequest: FULL_PATH_KEY_REQUEST,
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

const baselineFullSqlite: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'baseline-full-sqlite',
    description: 'the --baseline build of Tollgate, full path, fresh SQLite file',
    root: baselineRoot(context),
    createDatabase: () => createSqliteDatabase(context.workDir, 'baseline-full-sqlite'),
    keyRequest: FULL_PATH_KEY_REQUEST,
  });

const baselineCluster: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'baseline-cluster',
    description: 'the --baseline build of Tollgate, full path, cluster mode: PostgreSQL + Redis',
    root: baselineRoot(context),
    createDatabase: () => createPostgresDatabase(context.postgresUrl),
    createEnvironment: () => createRedisEnvironment(context.redisUrl),
    keyRequest: FULL_PATH_KEY_REQUEST,
  });

export const DEFAULT_TARGETS = [
  'direct',
  'bare',
  'portkey',
  'tollgate',
  'tollgate-full-sqlite',
  'tollgate-full-postgres',
  'tollgate-cluster',
];

export const TARGETS: Readonly<Record<string, TargetFactory>> = {
  direct,
  bare,
  portkey,
  tollgate,
  'tollgate-full-sqlite': tollgateFullSqlite,
  'tollgate-full-postgres': tollgateFullPostgres,
  'tollgate-cluster': tollgateCluster,
  'tollgate-vkey-sqlite': tollgateVkeySqlite,
  'tollgate-vkey-postgres': tollgateVkeyPostgres,
  baseline,
  'baseline-vkey-sqlite': baselineVkeySqlite,
  'baseline-full-sqlite': baselineFullSqlite,
  'baseline-cluster': baselineCluster,
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
