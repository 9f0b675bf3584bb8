import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testDeployment } from '../../../test/helpers/test-deployment.js';
import type { Deployment } from '../../contracts/deployment.js';
import type { ErrorKind } from '../../providers/types.js';
import { DeploymentHealth } from './deployment-health.js';

function setup(allowedFails = 3, cooldownMs = 5_000) {
  const clock = { t: 1_000_000 };
  const cooled: [string, ErrorKind][] = [];
  const health = new DeploymentHealth(
    { allowedFails, cooldownMs },
    () => clock.t,
    (d, reason) => cooled.push([d.id, reason]),
  );
  return { clock, health, cooled };
}

const a = testDeployment('openai', 'gpt-4o', { id: 'a' });
const limited = (over: Partial<Deployment>) =>
  testDeployment('openai', 'gpt-4o', { id: 'lim', ...over });

describe('cooldown', () => {
  test('a 429 in a group of several cools the deployment down at once', () => {
    const { health, cooled } = setup();
    health.recordFailure(a, 'rate_limit', 2);
    assert.equal(health.isCoolingDown(a), true);
    assert.deepEqual(cooled, [['a', 'rate_limit']]);
  });

  test('auth, permission, quota and missing-model errors also cool down at once', () => {
    for (const kind of ['auth', 'permission', 'quota', 'not_found'] as const) {
      const { health } = setup();
      health.recordFailure(a, kind, 3);
      assert.equal(health.isCoolingDown(a), true, kind);
    }
  });

  test('the only deployment of a group is never cooled down', () => {
    const { health, cooled } = setup(0);
    for (let i = 0; i < 10; i++) health.recordFailure(a, 'rate_limit', 1);
    for (let i = 0; i < 10; i++) health.recordFailure(a, 'server', 1);
    assert.equal(health.isCoolingDown(a), false);
    assert.deepEqual(cooled, []);
  });

  test('server errors cool down only after more than allowed_fails in a minute', () => {
    const { health, clock } = setup(2);
    health.recordFailure(a, 'server', 2);
    clock.t += 1_000;
    health.recordFailure(a, 'timeout', 2);
    assert.equal(health.isCoolingDown(a), false, 'two failures are allowed');
    health.recordFailure(a, 'connection', 2);
    assert.equal(health.isCoolingDown(a), true, 'the third is one too many');
  });

  test('failures older than a minute do not count', () => {
    const { health, clock } = setup(1);
    health.recordFailure(a, 'server', 2);
    clock.t += 60_000;
    health.recordFailure(a, 'server', 2);
    assert.equal(health.isCoolingDown(a), false);
  });

  test('client errors never cool a deployment down', () => {
    const { health } = setup(0);
    for (const kind of ['bad_request', 'context_window', 'content_policy'] as const) {
      for (let i = 0; i < 5; i++) health.recordFailure(a, kind, 2);
    }
    assert.equal(health.isCoolingDown(a), false);
  });

  test('the cooldown expires after cooldown_time', () => {
    const { health, clock } = setup(3, 5_000);
    health.recordFailure(a, 'rate_limit', 2);
    clock.t += 4_999;
    assert.equal(health.isCoolingDown(a), true);
    clock.t += 1;
    assert.equal(health.isCoolingDown(a), false);
  });

  test('cooldown_time 0 disables cooldowns', () => {
    const { health, cooled } = setup(0, 0);
    health.recordFailure(a, 'rate_limit', 2);
    assert.equal(health.isCoolingDown(a), false);
    assert.deepEqual(cooled, []);
  });

  test('after a cooldown the failure count starts again', () => {
    const { health, clock } = setup(1, 1_000);
    health.recordFailure(a, 'server', 2);
    health.recordFailure(a, 'server', 2);
    assert.equal(health.isCoolingDown(a), true);
    clock.t += 1_000;
    health.recordFailure(a, 'server', 2);
    assert.equal(health.isCoolingDown(a), false);
  });
});

describe('load and usage', () => {
  test('in-flight requests are counted and never go negative', () => {
    const { health } = setup();
    health.begin(a);
    health.begin(a);
    assert.equal(health.inFlight(a), 2);
    health.end(a);
    health.end(a);
    health.end(a);
    assert.equal(health.inFlight(a), 0);
  });

  test('latency is unknown until a success, then a moving average', () => {
    const { health } = setup();
    assert.equal(health.latency(a), undefined);
    health.recordSuccess(a, 100);
    assert.equal(health.latency(a), 100);
    health.recordSuccess(a, 200);
    assert.equal(health.latency(a), 130);
  });

  test('a deployment at its rpm is at capacity until the minute turns', () => {
    const { health, clock } = setup();
    const d = limited({ rpm: 2 });
    health.begin(d);
    assert.equal(health.atCapacity(d), false);
    health.begin(d);
    assert.equal(health.atCapacity(d), true);
    clock.t += 60_000;
    assert.equal(health.atCapacity(d), false);
    assert.deepEqual(health.usage(d), { requests: 0, tokens: 0 });
  });

  test('a deployment at its tpm is at capacity', () => {
    const { health } = setup();
    const d = limited({ tpm: 1_000 });
    health.recordTokens(d, 999);
    assert.equal(health.atCapacity(d), false);
    health.recordTokens(d, 1);
    assert.equal(health.atCapacity(d), true);
    assert.deepEqual(health.usage(d), { requests: 0, tokens: 1_000 });
  });

  test('deployments without limits are never at capacity', () => {
    const { health } = setup();
    for (let i = 0; i < 100; i++) health.begin(a);
    health.recordTokens(a, 1e9);
    assert.equal(health.atCapacity(a), false);
  });
});
