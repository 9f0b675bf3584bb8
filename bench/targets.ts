// The registry of benchmark targets, by the name used with --targets.
import { createPostgresDatabase, createSqliteDatabase, sqliteFile } from './bench-database.js';
import { createRedisEnvironment, createRedisPrefix } from './bench-redis.js';
import { compileStandalone } from './compile-standalone.js';
import { portkey } from './portkey-target.js';
import {
  loopbackUrl,
  serverCommand,
  type RunningTarget,
  type Target,
  type TargetContext,
  type TargetFactory,
} from './target.js';
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

/** A duty added to the bare proxy: its module (compiled like the proxy), the module's
 * arguments, and what to remove once the proxy has stopped. */
interface BareDuty {
  script: string;
  args: string[];
  cleanup?: () => Promise<void>;
}

async function startBareProxy(
  context: TargetContext,
  name: string,
  duty?: BareDuty,
): Promise<RunningTarget> {
  const script = compileStandalone(context.repoRoot, 'bench/bare-proxy.ts');
  const dutyArgs =
    duty === undefined
      ? []
      : ['--duty', compileStandalone(context.repoRoot, duty.script), '--', ...duty.args];
  const [command, args] = serverCommand(context, [
    ...context.nodeArgs,
    script,
    '--upstream',
    context.upstreamUrl,
    ...dutyArgs,
  ]);
  const service = context.processes.spawn(name, command, args, { cwd: context.repoRoot });
  let stopped: Promise<void> | undefined;
  const stop = (signal?: NodeJS.Signals): Promise<void> =>
    (stopped ??= service.stop(signal).finally(() => duty?.cleanup?.()));
  try {
    const port = await service.readyPort(START_TIMEOUT_MS);
    return {
      url: loopbackUrl(port),
      pid: service.pid,
      headers: { authorization: 'Bearer sk-bench-master' },
      stop,
    };
  } catch (e: unknown) {
    await stop().catch(() => undefined);
    throw e;
  }
}

const bare: TargetFactory = (context) => ({
  name: 'bare',
  description: 'bare Node proxy, node:http + undici (the yardstick for ratios)',
  start: () => startBareProxy(context, 'bare'),
});

/** The floor of cluster mode's admission: the bare proxy plus the one Redis round trip an exact
 * limit shared by replicas needs before each upstream call. */
const bareRedis: TargetFactory = (context) => ({
  name: 'bare-redis',
  description: 'bare proxy + one Redis EVALSHA (counter INCR) awaited before each upstream call',
  start: async () => {
    const redis = await createRedisPrefix(context.redisUrl);
    return startBareProxy(context, 'bare-redis', {
      script: 'bench/bare-redis.ts',
      args: ['--url', context.redisUrl, '--prefix', redis.prefix],
      cleanup: redis.cleanup,
    });
  },
});

/** The floor of durable booking on SQLite: the bare proxy plus one spend-log row per call,
 * written in batches to a table with the gateway's columns and indexes. */
const bareSqlite: TargetFactory = (context) => ({
  name: 'bare-sqlite',
  description: 'bare proxy + one spend_logs row per call, batched every 500 ms into SQLite (WAL)',
  start: () =>
    startBareProxy(context, 'bare-sqlite', {
      script: 'bench/bare-sqlite.ts',
      args: [
        '--file',
        sqliteFile(context.workDir, 'bare-sqlite'),
        '--api-base',
        `${context.upstreamUrl}/v1`,
      ],
    }),
});

const tollgate: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate',
    description: 'Tollgate (dist/main.js), master key, --no-database',
  });

/** The master key with a guardrail on every call: LiteLLM's content filter, masking e-mail
 * addresses and blocking US SSNs, on what is sent and on answers (streams included). */
const tollgateGuardrails: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-guardrails',
    description: 'Tollgate, master key, a default_on content filter on requests and answers',
    configSections: {
      guardrails: [
        {
          guardrail_name: 'pii',
          litellm_params: {
            guardrail: 'litellm_content_filter',
            mode: ['pre_call', 'post_call'],
            default_on: true,
            patterns: [
              { pattern_type: 'prebuilt', pattern_name: 'email', action: 'MASK' },
              { pattern_type: 'prebuilt', pattern_name: 'us_ssn', action: 'BLOCK' },
            ],
          },
        },
      ],
    },
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

/** The full path with `disable_spend_logs`: every total and daily aggregate booked, no row per
 * call (what operators who keep no per-call log pay). */
const tollgateFullSqliteNolog: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate-full-sqlite-nolog',
    description:
      'Tollgate, full path on SQLite with disable_spend_logs (no spend log row per call)',
    createDatabase: () => createSqliteDatabase(context.workDir, 'tollgate-full-sqlite-nolog'),
    keyRequest: FULL_PATH_KEY_REQUEST,
    generalSettings: { disable_spend_logs: true },
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
  'bare-redis': bareRedis,
  'bare-sqlite': bareSqlite,
  portkey,
  tollgate,
  'tollgate-guardrails': tollgateGuardrails,
  'tollgate-full-sqlite': tollgateFullSqlite,
  'tollgate-full-sqlite-nolog': tollgateFullSqliteNolog,
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
