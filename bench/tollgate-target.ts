// Tollgate as a benchmark target: the built gateway (dist/main.js) run as plain node, exactly as
// a user would run it, with a generated config that points at the mock upstream. Without a store
// it runs with --no-database and clients send the master key; with one, clients send a virtual
// key the target creates through /key/generate before anything is measured.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import type { BenchDatabase } from './bench-database.js';
import { findFreePort } from './free-port.js';
import type { Service } from './process-group.js';
import { loopbackUrl, serverCommand, type Target, type TargetContext } from './target.js';

const MASTER_KEY = 'sk-bench-master';
const START_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 300_000;
const ADMIN_TIMEOUT_MS = 10_000;
/** The virtual key's settings: the bench model only, and a budget the run cannot exhaust. */
export const VIRTUAL_KEY_REQUEST: Readonly<Record<string, unknown>> = {
  models: ['bench-model'],
  max_budget: 1000,
};
/** The full path's key: a budget with a reset window and every rate limit, each set far above what
 * a run can reach (and within the store's 32-bit integer columns), so admission checks and books
 * all of them on every call without ever refusing one. */
export const FULL_PATH_KEY_REQUEST: Readonly<Record<string, unknown>> = {
  models: ['bench-model'],
  max_budget: 1_000_000,
  budget_duration: '30d',
  rpm_limit: 1_000_000_000,
  tpm_limit: 2_000_000_000,
  max_parallel_requests: 100_000,
};
/** Prices of the bench model in the config (USD per token), so every call is priced and its cost
 * booked against the key's budget. */
const BENCH_MODEL_PRICES = { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 };

export interface TollgateVariant {
  name: string;
  description: string;
  /** Creates the fresh store this variant runs on; without it the gateway runs with
   * --no-database and clients present the master key. */
  createDatabase?: () => Promise<BenchDatabase>;
  /** The checkout whose dist/main.js runs; the bench's own by default. A checkout other than the
   * bench's own must be built already. */
  root?: string;
  /** The /key/generate body of the clients' virtual key (with a store); VIRTUAL_KEY_REQUEST by
   * default. */
  keyRequest?: Readonly<Record<string, unknown>>;
  /** Extra environment of the gateway (e.g. REDIS_URL for cluster mode), prepared before it
   * starts and cleaned up after it stops. */
  createEnvironment?: () => Promise<BenchEnvironment>;
  /** `general_settings` added to the generated config's (e.g. `disable_spend_logs`). */
  generalSettings?: Readonly<Record<string, unknown>>;
  /** Top-level sections added to the generated config (e.g. `guardrails`). */
  configSections?: Readonly<Record<string, unknown>>;
}

export interface BenchEnvironment {
  env: Record<string, string>;
  /** Removes what the gateway left behind (e.g. its Redis keys); called once it has stopped. */
  cleanup(): Promise<void>;
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the gateway when dist/main.js is missing, so `npm run bench` works on a fresh clone;
 * an existing build is used as it is (the bench measures what would ship), with a warning when
 * src/ has changed since. */
function ensureBuilt(repoRoot: string, own: boolean): string {
  const entry = join(repoRoot, 'dist', 'main.js');
  if (!existsSync(entry) && !own) throw new Error(`${entry} is missing; build that checkout first`);
  if (!existsSync(entry)) {
    process.stderr.write('dist/main.js is missing; running npm run build\n');
    execFileSync('npm', ['run', 'build', '--silent'], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: BUILD_TIMEOUT_MS,
    });
  } else if (newestSourceMs(join(repoRoot, 'src')) > statSync(entry).mtimeMs) {
    process.stderr.write('warning: src/ is newer than dist/main.js; run npm run build first\n');
  }
  return entry;
}

function writeConfig(context: TargetContext, variant: TollgateVariant): string {
  const config = {
    model_list: [
      {
        model_name: 'bench-model',
        litellm_params: {
          model: 'openai/bench-model',
          api_base: `${context.upstreamUrl}/v1`,
          api_key: 'sk-upstream',
        },
        model_info: BENCH_MODEL_PRICES,
      },
    ],
    general_settings: { master_key: MASTER_KEY, ...variant.generalSettings },
    ...variant.configSections,
  };
  const path = join(context.workDir, `${variant.name}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

/** Creates a virtual key with the master key and returns it. */
async function generateVirtualKey(
  url: string,
  keyRequest: Readonly<Record<string, unknown>>,
): Promise<string> {
  const res = await request(`${url}/key/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}` },
    body: JSON.stringify(keyRequest),
    headersTimeout: ADMIN_TIMEOUT_MS,
    bodyTimeout: ADMIN_TIMEOUT_MS,
  });
  const text = await res.body.text();
  const key = res.statusCode === 200 ? (JSON.parse(text) as { key?: unknown }).key : undefined;
  if (typeof key !== 'string' || !key.startsWith('sk-')) {
    throw new Error(`/key/generate answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  return key;
}

/** Runs every step even when an earlier one fails, then reports the first failure. */
async function runAll(steps: (() => Promise<void>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((e: unknown) => failures.push(e));
  if (failures.length > 0) throw failures[0];
}

export function createTollgateTarget(context: TargetContext, variant: TollgateVariant): Target {
  return {
    name: variant.name,
    description: variant.description,
    start: async () => {
      const root = variant.root ?? context.repoRoot;
      const entry = ensureBuilt(root, root === context.repoRoot);
      const configPath = writeConfig(context, variant);
      const port = await findFreePort();
      const database = await variant.createDatabase?.();
      const extra = await variant.createEnvironment?.();
      const args = [
        ...context.nodeArgs,
        entry,
        '--config',
        configPath,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ];
      // An explicit choice either way, so a DATABASE_URL in the caller's environment (or the
      // default ./tollgate.db in the working directory) never decides what is measured.
      const env: NodeJS.ProcessEnv = { ...process.env, LITELLM_LOG: 'ERROR' };
      delete env.TOLLGATE_DATABASE_URL;
      // Likewise for cluster mode: only a variant that asks for Redis gets one.
      for (const name of ['REDIS_URL', 'REDIS_HOST', 'TOLLGATE_REDIS_PREFIX']) delete env[name];
      Object.assign(env, extra?.env);
      if (database === undefined) {
        args.push('--no-database');
        delete env.DATABASE_URL;
      } else env.DATABASE_URL = database.url;
      let service: Service | undefined;
      let stopped: Promise<void> | undefined;
      const stop = (signal?: NodeJS.Signals): Promise<void> =>
        (stopped ??= runAll([
          async () => {
            await service?.stop(signal);
          },
          async () => {
            await database?.drop();
          },
          async () => {
            await extra?.cleanup();
          },
        ]));
      try {
        const [command, commandArgs] = serverCommand(context, args);
        service = context.processes.spawn(variant.name, command, commandArgs, {
          cwd: root,
          env,
        });
        const url = loopbackUrl(port);
        await service.readyHttp(`${url}/health/liveliness`, START_TIMEOUT_MS);
        const clientKey =
          database === undefined
            ? MASTER_KEY
            : await generateVirtualKey(url, variant.keyRequest ?? VIRTUAL_KEY_REQUEST);
        return { url, pid: service.pid, headers: { authorization: `Bearer ${clientKey}` }, stop };
      } catch (e: unknown) {
        await stop().catch(() => undefined);
        throw e;
      }
    },
  };
}
