import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../../test/helpers/seeded-random.js';
import { testDeployment } from '../../../test/helpers/test-deployment.js';
import type { RoutingStrategy } from '../../config/schema.js';
import type { Deployment } from '../../contracts/deployment.js';
import { DeploymentHealth } from './deployment-health.js';
import { selectDeployment } from './select-deployment.js';

function dep(id: string, over: Partial<Deployment> = {}): Deployment {
  return testDeployment('openai', 'gpt-4o', { id, modelName: 'g', ...over });
}

function newHealth() {
  const clock = { t: 0 };
  return {
    clock,
    health: new DeploymentHealth({ allowedFails: 0, cooldownMs: 10_000 }, () => clock.t),
  };
}

/** How often each deployment is picked in `n` selections. */
function tally(
  pool: Deployment[],
  strategy: RoutingStrategy,
  health: DeploymentHealth,
  n = 20_000,
): Record<string, number> {
  const random = seededRandom(42);
  const counts: Record<string, number> = Object.fromEntries(pool.map((d) => [d.id, 0]));
  for (let i = 0; i < n; i++) {
    const picked = selectDeployment(pool, strategy, health, random);
    assert.ok(picked);
    counts[picked.id] = (counts[picked.id] ?? 0) + 1;
  }
  return counts;
}

function assertShare(counts: Record<string, number>, id: string, expected: number) {
  const total = Object.values(counts).reduce((s, c) => s + c, 0);
  const share = (counts[id] ?? 0) / total;
  assert.ok(
    Math.abs(share - expected) < 0.02,
    `${id} picked ${(share * 100).toFixed(1)}%, expected ~${expected * 100}%`,
  );
}

describe('every strategy', () => {
  test('skips deployments that are cooling down', () => {
    const strategies: RoutingStrategy[] = [
      'simple-shuffle',
      'least-busy',
      'latency-based-routing',
      'usage-based-routing',
      'usage-based-routing-v2',
    ];
    for (const strategy of strategies) {
      const { health } = newHealth();
      const [x, y] = [dep('x', { weight: 100 }), dep('y')];
      health.recordFailure(x, 'rate_limit', 2);
      const counts = tally([x, y], strategy, health, 200);
      assert.deepEqual(counts, { x: 0, y: 200 }, strategy);
    }
  });

  test('returns undefined when every deployment is cooling down, or there are none', () => {
    const { health } = newHealth();
    const [x, y] = [dep('x'), dep('y')];
    health.recordFailure(x, 'rate_limit', 2);
    health.recordFailure(y, 'rate_limit', 2);
    assert.equal(selectDeployment([x, y], 'simple-shuffle', health), undefined);
    assert.equal(selectDeployment([], 'least-busy', health), undefined);
  });
});

describe('simple-shuffle', () => {
  test('picks in proportion to weight', () => {
    const { health } = newHealth();
    const counts = tally(
      [dep('light', { weight: 1 }), dep('heavy', { weight: 3 })],
      'simple-shuffle',
      health,
    );
    assertShare(counts, 'light', 0.25);
    assertShare(counts, 'heavy', 0.75);
  });

  test('without weights, picks in proportion to rpm', () => {
    const { health } = newHealth();
    const counts = tally(
      [dep('small', { rpm: 100 }), dep('big', { rpm: 900 })],
      'simple-shuffle',
      health,
    );
    assertShare(counts, 'small', 0.1);
  });

  test('without weights or rpm, picks in proportion to tpm', () => {
    const { health } = newHealth();
    const counts = tally(
      [dep('small', { tpm: 1_000 }), dep('big', { tpm: 3_000 })],
      'simple-shuffle',
      health,
    );
    assertShare(counts, 'small', 0.25);
  });

  test('weight wins over rpm', () => {
    const { health } = newHealth();
    const counts = tally(
      [dep('p', { weight: 4, rpm: 1 }), dep('q', { weight: 1, rpm: 1_000 })],
      'simple-shuffle',
      health,
    );
    assertShare(counts, 'p', 0.8);
  });

  test('with nothing set, picks evenly', () => {
    const { health } = newHealth();
    const counts = tally([dep('a'), dep('b'), dep('c'), dep('d')], 'simple-shuffle', health);
    for (const id of ['a', 'b', 'c', 'd']) assertShare(counts, id, 0.25);
  });
});

describe('least-busy', () => {
  test('picks the deployment with the fewest requests in flight', () => {
    const { health } = newHealth();
    const [x, y, z] = [dep('x'), dep('y'), dep('z')];
    health.begin(x);
    health.begin(x);
    health.begin(z);
    assert.deepEqual(tally([x, y, z], 'least-busy', health, 100), { x: 0, y: 100, z: 0 });
    health.begin(y);
    health.begin(y);
    assert.deepEqual(tally([x, y, z], 'least-busy', health, 100), { x: 0, y: 0, z: 100 });
  });

  test('spreads ties', () => {
    const { health } = newHealth();
    const counts = tally([dep('x'), dep('y')], 'least-busy', health, 2_000);
    assertShare(counts, 'x', 0.5);
  });
});

describe('latency-based-routing', () => {
  test('tries every untried deployment before trusting measurements', () => {
    const { health } = newHealth();
    const [fast, slow, fresh] = [dep('fast'), dep('slow'), dep('fresh')];
    health.recordSuccess(fast, 50);
    health.recordSuccess(slow, 500);
    assert.deepEqual(tally([fast, slow, fresh], 'latency-based-routing', health, 100), {
      fast: 0,
      slow: 0,
      fresh: 100,
    });
  });

  test('then picks the fastest', () => {
    const { health } = newHealth();
    const [fast, slow] = [dep('fast'), dep('slow')];
    health.recordSuccess(fast, 50);
    health.recordSuccess(slow, 500);
    assert.deepEqual(tally([slow, fast], 'latency-based-routing', health, 100), {
      slow: 0,
      fast: 100,
    });
  });
});

describe('usage-based-routing', () => {
  test('skips deployments at their rpm', () => {
    const { health } = newHealth();
    const [full, open] = [dep('full', { rpm: 1 }), dep('open', { rpm: 1_000 })];
    health.begin(full);
    assert.deepEqual(tally([full, open], 'usage-based-routing', health, 100), {
      full: 0,
      open: 100,
    });
  });

  test('skips deployments at their tpm, and picks the least-used of the rest', () => {
    const { health } = newHealth();
    const [full, busy, quiet] = [dep('full', { tpm: 100 }), dep('busy'), dep('quiet')];
    health.recordTokens(full, 100);
    health.recordTokens(busy, 5_000);
    health.recordTokens(quiet, 10);
    assert.deepEqual(tally([full, busy, quiet], 'usage-based-routing-v2', health, 100), {
      full: 0,
      busy: 0,
      quiet: 100,
    });
  });

  test('when every deployment is at its limit there is none to pick', () => {
    const { health, clock } = newHealth();
    const only = dep('only', { rpm: 1 });
    health.begin(only);
    assert.equal(selectDeployment([only], 'usage-based-routing', health), undefined);
    clock.t += 60_000;
    assert.equal(selectDeployment([only], 'usage-based-routing', health)?.id, 'only');
  });
});

describe('simple-shuffle with partial weights', () => {
  test('deployments without a weight get none when another sets one, as in LiteLLM', () => {
    const { health } = newHealth();
    const counts = tally(
      [dep('weighted', { weight: 2 }), dep('unweighted')],
      'simple-shuffle',
      health,
    );
    assert.equal(counts.unweighted ?? 0, 0);
  });
});
