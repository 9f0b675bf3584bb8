// The registry of benchmark targets, by the name used with --targets.
import { compileStandalone } from './compile-standalone.js';
import { loopbackUrl, type Target, type TargetContext, type TargetFactory } from './target.js';
import { createTollgateTarget } from './tollgate-target.js';

const START_TIMEOUT_MS = 20_000;

/** The mock itself: the latency baseline every "added" figure is measured against. */
const direct: TargetFactory = (context) => ({
  name: 'direct',
  description: 'straight to the mock upstream (baseline for added latency)',
  headers: { authorization: 'Bearer sk-upstream' },
  // The mock belongs to the run, not to this target, so stopping the target leaves it running.
  start: () =>
    Promise.resolve({ url: context.upstreamUrl, pid: context.upstreamPid, stop: async () => {} }),
});

const bare: TargetFactory = (context) => ({
  name: 'bare',
  description: 'bare Node proxy, node:http + undici (the yardstick for ratios)',
  headers: { authorization: 'Bearer sk-bench-master' },
  start: async () => {
    const script = compileStandalone(context.repoRoot, 'bench/bare-proxy.ts');
    const service = context.processes.spawn(
      'bare',
      process.execPath,
      [script, '--upstream', context.upstreamUrl],
      { cwd: context.repoRoot },
    );
    const port = await service.readyPort(START_TIMEOUT_MS);
    return { url: loopbackUrl(port), pid: service.pid, stop: () => service.stop() };
  },
});

const tollgate: TargetFactory = (context) =>
  createTollgateTarget(context, {
    name: 'tollgate',
    description: 'Tollgate (dist/main.js), master key, no store',
  });

export const TARGETS: Readonly<Record<string, TargetFactory>> = { direct, bare, tollgate };

export const DEFAULT_TARGETS = ['direct', 'bare', 'tollgate'];

export function createTargets(names: readonly string[], context: TargetContext): Target[] {
  return names.map((name) => {
    const factory = TARGETS[name];
    if (factory === undefined) {
      throw new Error(`unknown target "${name}"; known: ${Object.keys(TARGETS).join(', ')}`);
    }
    return factory(context);
  });
}
