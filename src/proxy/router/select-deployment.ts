/** The routing strategies of LiteLLM's router, over the deployments that are not cooling down. */
import type { RoutingStrategy } from '../../config/schema.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { DeploymentHealth } from './deployment-health.js';

export function selectDeployment(
  candidates: readonly Deployment[],
  strategy: RoutingStrategy,
  health: DeploymentHealth,
  random: () => number = Math.random,
): Deployment | undefined {
  let pool = candidates.filter((d) => !health.isCoolingDown(d));
  if (strategy === 'usage-based-routing' || strategy === 'usage-based-routing-v2') {
    pool = pool.filter((d) => !health.atCapacity(d));
  }
  if (pool.length <= 1) return pool[0];
  switch (strategy) {
    case 'least-busy':
      return pickMin(pool, (d) => health.inFlight(d), random);
    case 'latency-based-routing': {
      // Untried deployments first, so every one gets measured.
      const untried = pool.filter((d) => health.latency(d) === undefined);
      if (untried.length > 0) return untried[Math.floor(random() * untried.length)];
      return pickMin(pool, (d) => health.latency(d) ?? 0, random);
    }
    case 'usage-based-routing':
    case 'usage-based-routing-v2':
      return pickMin(pool, (d) => health.usage(d).tokens, random);
    case 'simple-shuffle':
      return pickWeighted(pool, random);
  }
}

function pickMin(
  pool: readonly Deployment[],
  score: (d: Deployment) => number,
  random: () => number,
): Deployment | undefined {
  let best: Deployment[] = [];
  let bestScore = Infinity;
  for (const d of pool) {
    const s = score(d);
    if (s < bestScore) {
      best = [d];
      bestScore = s;
    } else if (s === bestScore) best.push(d);
  }
  return best[Math.floor(random() * best.length)];
}

/**
 * LiteLLM's simple-shuffle: by `weight` when any deployment sets one (the others weigh 0), else by
 * `rpm`, else by `tpm`, else evenly.
 */
function pickWeighted(pool: readonly Deployment[], random: () => number): Deployment | undefined {
  const weightOf = pool.some((d) => d.weight !== undefined)
    ? (d: Deployment) => d.weight ?? 0
    : pool.some((d) => d.rpm !== undefined)
      ? (d: Deployment) => d.rpm ?? 0
      : pool.some((d) => d.tpm !== undefined)
        ? (d: Deployment) => d.tpm ?? 0
        : () => 1;
  const total = pool.reduce((sum, d) => sum + weightOf(d), 0);
  if (total <= 0) return pool[Math.floor(random() * pool.length)];
  let point = random() * total;
  for (const d of pool) {
    point -= weightOf(d);
    if (point < 0) return d;
  }
  return pool[pool.length - 1];
}
