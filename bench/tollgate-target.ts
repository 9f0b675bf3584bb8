// Tollgate as a benchmark target: the built gateway (dist/main.js) run as plain node, exactly as
// a user would run it, with a generated config that points at the mock upstream.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findFreePort } from './free-port.js';
import { loopbackUrl, type Target, type TargetContext } from './target.js';

const MASTER_KEY = 'sk-bench-master';
const START_TIMEOUT_MS = 60_000;
const BUILD_TIMEOUT_MS = 300_000;

export interface TollgateVariant {
  name: string;
  description: string;
  /** Merged into general_settings, e.g. a database_url for the store-backed variants. */
  generalSettings?: Record<string, unknown>;
  /** The key clients present; a virtual key for the store-backed variants. */
  clientKey?: string;
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
function ensureBuilt(repoRoot: string): string {
  const entry = join(repoRoot, 'dist', 'main.js');
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
      },
    ],
    general_settings: { master_key: MASTER_KEY, ...variant.generalSettings },
  };
  const path = join(context.workDir, `${variant.name}.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

export function createTollgateTarget(context: TargetContext, variant: TollgateVariant): Target {
  return {
    name: variant.name,
    description: variant.description,
    headers: { authorization: `Bearer ${variant.clientKey ?? MASTER_KEY}` },
    start: async () => {
      const entry = ensureBuilt(context.repoRoot);
      const configPath = writeConfig(context, variant);
      const port = await findFreePort();
      const args = [entry, '--config', configPath, '--port', String(port), '--host', '127.0.0.1'];
      const service = context.processes.spawn(variant.name, process.execPath, args, {
        cwd: context.repoRoot,
        env: { ...process.env, LITELLM_LOG: 'ERROR' },
      });
      const url = loopbackUrl(port);
      await service.readyHttp(`${url}/health/liveliness`, START_TIMEOUT_MS);
      return { url, pid: service.pid, stop: () => service.stop() };
    },
  };
}
