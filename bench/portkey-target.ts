// The Portkey gateway (@portkey-ai/gateway from npm) as a benchmark target: its Node server run as
// plain node, routed to the mock upstream through its OpenAI-compatible custom host. It is a
// dependency of the bench alone (bench/package.json and its lockfile), installed into
// bench/node_modules on the first run that measures it, so the gateway's own `npm ci` never
// fetches it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compileStandalone } from './compile-standalone.js';
import { findFreePort } from './free-port.js';
import { loopbackUrl, type TargetFactory } from './target.js';

const START_TIMEOUT_MS = 30_000;
const INSTALL_TIMEOUT_MS = 300_000;
const PACKAGE_DIR = join('bench', 'node_modules', '@portkey-ai', 'gateway');
/** The Node entry named in the package's README and its start:node script. */
const ENTRY = join('build', 'start-server.js');

/** Installs bench/package-lock.json into bench/node_modules when the gateway is not there yet. */
function ensureInstalled(repoRoot: string): string {
  const dir = join(repoRoot, PACKAGE_DIR);
  if (!existsSync(join(dir, ENTRY))) {
    process.stderr.write('installing the bench-only dependencies: npm ci --prefix bench\n');
    execFileSync('npm', ['ci', '--prefix', 'bench', '--no-audit', '--no-fund'], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: INSTALL_TIMEOUT_MS,
    });
  }
  return dir;
}

export const portkey: TargetFactory = (context) => ({
  name: 'portkey',
  description: 'Portkey gateway (@portkey-ai/gateway, Node server), OpenAI provider, custom host',
  start: async () => {
    const dir = ensureInstalled(context.repoRoot);
    const preload = compileStandalone(context.repoRoot, 'bench/portkey-preload.ts');
    const port = await findFreePort();
    const service = context.processes.spawn(
      'portkey',
      process.execPath,
      ['--import', preload, ...context.nodeArgs, ENTRY, `--port=${port}`, '--headless'],
      // production: no start-up banner animation and no UI; the request path is the same.
      { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } },
    );
    const url = loopbackUrl(port);
    try {
      await service.readyHttp(`${url}/`, START_TIMEOUT_MS);
    } catch (e: unknown) {
      await service.stop();
      throw e;
    }
    return {
      url,
      pid: service.pid,
      headers: {
        authorization: 'Bearer sk-upstream',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${context.upstreamUrl}/v1`,
      },
      stop: (signal) => service.stop(signal),
    };
  },
});
