import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testDeployment } from '../../../test/helpers/test-deployment.js';
import type { RouterConfig } from '../../config/gateway-config.js';
import type { Deployment } from '../../contracts/deployment.js';
import { GatewayError, toErrorBody } from '../../errors/gateway-error.js';
import { ProviderError, type ErrorKind } from '../../providers/types.js';
import { Cancellation } from '../cancellation.js';
import { DeploymentHealth } from './deployment-health.js';
import { ModelCatalog } from './model-catalog.js';
import { Router, type RouteOptions } from './router.js';

function dep(id: string, group: string, over: Partial<Deployment> = {}): Deployment {
  return testDeployment('openai', id, { id, modelName: group, ...over });
}

function fail(kind: ErrorKind, retryAfterMs?: number): ProviderError {
  return new ProviderError(kind, `${kind} failure`, { retryAfterMs });
}

interface Harness {
  router: Router;
  health: DeploymentHealth;
  clock: { t: number };
  /** Every wait the router asked for, in ms. */
  sleeps: number[];
  /** Deployment ids in the order they were attempted. */
  calls: string[];
  /** Runs `model`; `script` decides, per attempt, to throw an error or answer. */
  run(
    model: string,
    script: (d: Deployment, call: number) => ProviderError | Error | 'ok',
    options?: Partial<RouteOptions>,
  ): ReturnType<Router['run']>;
}

function harness(
  deployments: Deployment[],
  config: Partial<RouterConfig> = {},
  hooks: { onSleep?: (ms: number) => void } = {},
): Harness {
  const full: RouterConfig = {
    strategy: 'simple-shuffle',
    numRetries: 0,
    allowedFails: 3,
    cooldownMs: 5_000,
    maxRetryAfterMs: 60_000,
    minRetryMs: 0,
    timeoutMs: 600_000,
    fallbacks: new Map(),
    contextWindowFallbacks: new Map(),
    contentPolicyFallbacks: new Map(),
    defaultFallbacks: [],
    modelGroupAlias: new Map(),
    ...config,
  };
  const clock = { t: 1_000_000 };
  const health = new DeploymentHealth(full, () => clock.t);
  const sleeps: number[] = [];
  const calls: string[] = [];
  // Always the first candidate, so which deployment is tried is predictable.
  const router = new Router(new ModelCatalog(deployments, full.modelGroupAlias), health, full, {
    sleep: async (ms) => {
      sleeps.push(ms);
      hooks.onSleep?.(ms);
    },
    random: () => 0,
  });
  return {
    router,
    health,
    clock,
    sleeps,
    calls,
    run: (model, script, options = {}) =>
      router.run(
        model,
        async (d) => {
          calls.push(d.id);
          const outcome = script(d, calls.length);
          if (outcome === 'ok') return `answer from ${d.id}`;
          throw outcome;
        },
        { cancel: new Cancellation(), ...options },
      ),
  };
}

describe('a call that works', () => {
  test('returns the value, deployment and group with no retries or fallbacks', async () => {
    const h = harness([dep('a1', 'a')]);
    const outcome = await h.run('a', () => 'ok');
    assert.equal(outcome.value, 'answer from a1');
    assert.equal(outcome.deployment.id, 'a1');
    assert.equal(outcome.group, 'a');
    assert.equal(outcome.retries, 0);
    assert.equal(outcome.fallbacks, 0);
  });

  test('an unknown model is a 400 invalid_model naming it', async () => {
    const h = harness([dep('a1', 'a')]);
    await assert.rejects(
      h.run('nope', () => 'ok'),
      (e: unknown) =>
        e instanceof GatewayError &&
        e.status === 400 &&
        e.param === 'model' &&
        e.message === 'Invalid model name passed in model=nope',
    );
    assert.deepEqual(h.calls, []);
  });

  test('an alias runs its target group', async () => {
    const h = harness([dep('a1', 'a')], {
      modelGroupAlias: new Map([['alias', { model: 'a', hidden: true }]]),
    });
    const outcome = await h.run('alias', () => 'ok');
    assert.equal(outcome.group, 'a');
  });
});

describe('retries', () => {
  test('a retryable error is retried on another deployment, without waiting', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 1 });
    const outcome = await h.run('a', (d) => (d.id === 'a1' ? fail('server') : 'ok'));
    assert.deepEqual(h.calls, ['a1', 'a2']);
    assert.equal(outcome.deployment.id, 'a2');
    assert.equal(outcome.retries, 1);
    assert.deepEqual(h.sleeps, []);
  });

  test('every retryable kind is retried', async () => {
    for (const kind of ['rate_limit', 'timeout', 'server', 'connection', 'bad_response'] as const) {
      const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 1 });
      const outcome = await h.run('a', (_d, n) => (n === 1 ? fail(kind) : 'ok'));
      assert.equal(outcome.retries, 1, kind);
    }
  });

  test('gives up after num_retries and throws the last error', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 2, allowedFails: 100 });
    const last = fail('server');
    await assert.rejects(
      h.run('a', (_d, n) => (n === 3 ? last : fail('server'))),
      (e: unknown) => e === last,
    );
    assert.equal(h.calls.length, 3);
  });

  test('a bad request is not retried', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 3 });
    await assert.rejects(
      h.run('a', () => fail('bad_request')),
      { kind: 'bad_request' },
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('client-side kinds are not retried', async () => {
    for (const kind of ['auth', 'not_found', 'context_window', 'content_policy'] as const) {
      const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 3 });
      await assert.rejects(
        h.run('a', () => fail(kind)),
        { kind },
      );
      assert.equal(h.calls.length, 1, kind);
    }
  });

  test('a non-provider error is not retried and passes through as is', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 3 });
    const bug = new TypeError('boom');
    await assert.rejects(
      h.run('a', () => bug),
      (e: unknown) => e === bug,
    );
    assert.equal(h.calls.length, 1);
  });

  test('the per-request num_retries overrides the config', async () => {
    const more = harness([dep('a1', 'a')], { numRetries: 0 });
    await assert.rejects(more.run('a', () => fail('server'), { numRetries: 2 }));
    assert.equal(more.calls.length, 3);
    const none = harness([dep('a1', 'a')], { numRetries: 5 });
    await assert.rejects(none.run('a', () => fail('server'), { numRetries: 0 }));
    assert.equal(none.calls.length, 1);
  });

  test('a deployment’s max_retries retries the same deployment before the router moves on', async () => {
    const h = harness([dep('a1', 'a', { maxRetries: 2 }), dep('a2', 'a')], {
      numRetries: 1,
      allowedFails: 100,
    });
    const outcome = await h.run('a', (d) => (d.id === 'a1' ? fail('server', 250) : 'ok'));
    assert.deepEqual(h.calls, ['a1', 'a1', 'a1', 'a2']);
    assert.deepEqual(h.sleeps, [250, 250]);
    assert.equal(outcome.retries, 1);
  });

  test('max_retries does not retry a bad request', async () => {
    const h = harness([dep('a1', 'a', { maxRetries: 3 })]);
    await assert.rejects(h.run('a', () => fail('bad_request')));
    assert.deepEqual(h.calls, ['a1']);
  });

  test('with no other deployment, waits the retry-after before retrying', async () => {
    const h = harness([dep('a1', 'a')], { numRetries: 2 });
    const outcome = await h.run('a', (_d, n) => (n < 3 ? fail('rate_limit', 1_500) : 'ok'));
    assert.deepEqual(h.calls, ['a1', 'a1', 'a1']);
    assert.deepEqual(h.sleeps, [1_500, 1_500]);
    assert.equal(outcome.retries, 2);
  });

  test('the retry-after wait is capped', async () => {
    const h = harness([dep('a1', 'a')], { numRetries: 1, maxRetryAfterMs: 2_000 });
    await h.run('a', (_d, n) => (n === 1 ? fail('rate_limit', 3_600_000) : 'ok'));
    assert.deepEqual(h.sleeps, [2_000]);
  });

  test('retry_after is the least wait before a retry, as in LiteLLM', async () => {
    const h = harness([dep('a1', 'a')], { numRetries: 2, minRetryMs: 1_000 });
    await h.run('a', (_d, n) =>
      n === 1 ? fail('server') : n === 2 ? fail('rate_limit', 300) : 'ok',
    );
    assert.deepEqual(h.sleeps, [1_000, 1_000]);
  });

  test('without retry-after the wait is a short exponential backoff', async () => {
    const h = harness([dep('a1', 'a')], { numRetries: 3 });
    await h.run('a', (_d, n) => (n < 4 ? fail('server') : 'ok'));
    // random() is 0: 100 ms × 2^n × 0.5
    assert.deepEqual(h.sleeps, [50, 100, 200]);
  });

  test('waits when the other deployments are all cooling down', async () => {
    const a1 = dep('a1', 'a');
    const a2 = dep('a2', 'a');
    const h = harness([a1, a2], { numRetries: 1 });
    h.health.recordFailure(a2, 'rate_limit', 2);
    await h.run('a', (_d, n) => (n === 1 ? fail('server', 700) : 'ok'));
    assert.deepEqual(h.calls, ['a1', 'a1']);
    assert.deepEqual(h.sleeps, [700]);
  });

  test('an aborted request is not retried', async () => {
    const cancel = new Cancellation();
    const h = harness([dep('a1', 'a'), dep('a2', 'a')], { numRetries: 3 });
    await assert.rejects(
      h.run(
        'a',
        () => {
          cancel.abort();
          return fail('connection');
        },
        { cancel },
      ),
      { kind: 'connection' },
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('an abort during the wait before a retry stops retrying', async () => {
    const cancel = new Cancellation();
    const h = harness([dep('a1', 'a')], { numRetries: 3 }, { onSleep: () => cancel.abort() });
    await assert.rejects(
      h.run('a', () => fail('rate_limit', 100), { cancel }),
      { kind: 'rate_limit' },
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('an abort during a deployment’s own retry wait stops retrying', async () => {
    const cancel = new Cancellation();
    const h = harness([dep('a1', 'a', { maxRetries: 3 })], {}, { onSleep: () => cancel.abort() });
    await assert.rejects(h.run('a', () => fail('server'), { cancel }));
    assert.deepEqual(h.calls, ['a1']);
  });
});

describe('cooldowns while routing', () => {
  test('a 429 cools the deployment down so the next request goes elsewhere', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a')]);
    await assert.rejects(h.run('a', (d) => (d.id === 'a1' ? fail('rate_limit') : 'ok')));
    const next = await h.run('a', () => 'ok');
    assert.equal(next.deployment.id, 'a2');
    h.clock.t += 5_000;
    const later = await h.run('a', () => 'ok');
    assert.equal(later.deployment.id, 'a1', 'the cooldown has expired');
  });

  test('when every deployment is cooling down: 429 "No deployments available" with retry-after', async () => {
    const a1 = dep('a1', 'a');
    const a2 = dep('a2', 'a');
    const h = harness([a1, a2], { cooldownMs: 7_000 });
    h.health.recordFailure(a1, 'rate_limit', 2);
    h.health.recordFailure(a2, 'rate_limit', 2);
    await assert.rejects(
      h.run('a', () => 'ok'),
      (e: unknown) => {
        assert.ok(e instanceof GatewayError);
        assert.equal(e.status, 429);
        assert.equal(e.headers['retry-after'], '7');
        assert.equal(
          toErrorBody(e).error.message,
          "No deployments available for selected model, Try again in 7 seconds. Passed model=a. pre-call-checks=False, cooldown_list=['a1', 'a2']",
        );
        assert.equal(toErrorBody(e).error.code, '429');
        return true;
      },
    );
    assert.deepEqual(h.calls, []);
  });

  test('a group with every deployment cooling down falls back', async () => {
    const a1 = dep('a1', 'a');
    const a2 = dep('a2', 'a');
    const h = harness([a1, a2, dep('b1', 'b')], {
      numRetries: 2,
      fallbacks: new Map([['a', ['b']]]),
    });
    h.health.recordFailure(a1, 'rate_limit', 2);
    h.health.recordFailure(a2, 'rate_limit', 2);
    const outcome = await h.run('a', () => 'ok');
    assert.equal(outcome.group, 'b');
    assert.equal(outcome.fallbacks, 1);
    assert.equal(outcome.retries, 0);
  });
});

describe('fallbacks', () => {
  test('are walked in order once the retries are used up', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('c1', 'c')], {
      numRetries: 1,
      fallbacks: new Map([['a', ['b', 'c']]]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'c1' ? 'ok' : fail('server')));
    assert.deepEqual(h.calls, ['a1', 'a1', 'b1', 'b1', 'c1']);
    assert.equal(outcome.group, 'c');
    assert.equal(outcome.deployment.id, 'c1');
    assert.equal(outcome.fallbacks, 2);
    assert.equal(outcome.retries, 2);
  });

  test('when every fallback fails, the last error is thrown', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], { fallbacks: new Map([['a', ['b']]]) });
    const last = fail('timeout');
    await assert.rejects(
      h.run('a', (d) => (d.id === 'b1' ? last : fail('server'))),
      (e: unknown) => e === last,
    );
    assert.deepEqual(h.calls, ['a1', 'b1']);
  });

  test('fallback groups that do not exist, or were tried, are skipped', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], {
      fallbacks: new Map([['a', ['ghost', 'a', 'b']]]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'b1' ? 'ok' : fail('server')));
    assert.equal(outcome.group, 'b');
    assert.equal(outcome.fallbacks, 1);
  });

  test('only the requested group’s fallbacks are used, not the fallback’s own', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('c1', 'c')], {
      fallbacks: new Map([
        ['a', ['b']],
        ['b', ['c']],
      ]),
    });
    await assert.rejects(h.run('a', () => fail('server')));
    assert.deepEqual(h.calls, ['a1', 'b1']);
  });

  test('a bad request never falls back', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], {
      fallbacks: new Map([['a', ['b']]]),
      defaultFallbacks: ['b'],
    });
    await assert.rejects(
      h.run('a', () => fail('bad_request')),
      { kind: 'bad_request' },
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('a context-window error uses context_window_fallbacks, without retrying', async () => {
    const h = harness([dep('a1', 'a'), dep('a2', 'a'), dep('big1', 'big'), dep('b1', 'b')], {
      numRetries: 2,
      fallbacks: new Map([['a', ['b']]]),
      contextWindowFallbacks: new Map([['a', ['big']]]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'big1' ? 'ok' : fail('context_window')));
    assert.deepEqual(h.calls, ['a1', 'big1']);
    assert.equal(outcome.group, 'big');
    assert.equal(outcome.fallbacks, 1);
    assert.equal(outcome.retries, 0, 'nothing was retried');
  });

  test('a content-policy error uses content_policy_fallbacks', async () => {
    const h = harness([dep('a1', 'a'), dep('lenient1', 'lenient'), dep('b1', 'b')], {
      fallbacks: new Map([['a', ['b']]]),
      contentPolicyFallbacks: new Map([['a', ['lenient']]]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'lenient1' ? 'ok' : fail('content_policy')));
    assert.equal(outcome.group, 'lenient');
  });

  test('with context_window_fallbacks configured but not for this group, nothing falls back', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('big1', 'big')], {
      fallbacks: new Map([['a', ['b']]]),
      contextWindowFallbacks: new Map([['other', ['big']]]),
    });
    await assert.rejects(
      h.run('a', () => fail('context_window')),
      { kind: 'context_window' },
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('without any context_window_fallbacks, a context-window error uses the generic fallbacks, as LiteLLM does', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], { fallbacks: new Map([['a', ['b']]]) });
    const outcome = await h.run('a', (d) => (d.id === 'b1' ? 'ok' : fail('context_window')));
    assert.equal(outcome.group, 'b');
  });

  test('without any content_policy_fallbacks, a content-policy error uses the generic fallbacks', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], { defaultFallbacks: ['b'] });
    const outcome = await h.run('a', (d) => (d.id === 'b1' ? 'ok' : fail('content_policy')));
    assert.equal(outcome.group, 'b');
  });

  test('default_fallbacks apply to groups without their own', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('d1', 'd')], {
      fallbacks: new Map([['b', ['a']]]),
      defaultFallbacks: ['d'],
    });
    const outcome = await h.run('a', (d) => (d.id === 'd1' ? 'ok' : fail('server')));
    assert.equal(outcome.group, 'd');
  });

  test('a "*" entry in fallbacks applies to groups without their own, as in LiteLLM', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('d1', 'd')], {
      fallbacks: new Map([
        ['b', ['a']],
        ['*', ['d']],
      ]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'd1' ? 'ok' : fail('server')));
    assert.equal(outcome.group, 'd');
    assert.deepEqual(h.router.fallbacksFor('a', 'server'), ['d']);
    assert.deepEqual(h.router.fallbacksFor('b', 'server'), ['a']);
  });

  test('fallback groups the caller may not use are skipped', async () => {
    const h = harness([dep('a1', 'a'), dep('b1', 'b'), dep('c1', 'c')], {
      fallbacks: new Map([['a', ['b', 'c']]]),
    });
    const outcome = await h.run('a', (d) => (d.id === 'a1' ? fail('server') : 'ok'), {
      canUse: (g) => g !== 'b',
    });
    assert.deepEqual(h.calls, ['a1', 'c1']);
    assert.equal(outcome.group, 'c');
  });

  test('an aborted request does not fall back', async () => {
    const cancel = new Cancellation();
    const h = harness([dep('a1', 'a'), dep('b1', 'b')], { fallbacks: new Map([['a', ['b']]]) });
    await assert.rejects(
      h.run(
        'a',
        () => {
          cancel.abort();
          return fail('server');
        },
        { cancel },
      ),
    );
    assert.deepEqual(h.calls, ['a1']);
  });

  test('fallbacksFor lists what an error message may offer', () => {
    const h = harness([], {
      fallbacks: new Map([['a', ['b']]]),
      contextWindowFallbacks: new Map([['a', ['big']]]),
      defaultFallbacks: ['d'],
    });
    assert.deepEqual(h.router.fallbacksFor('a'), ['b']);
    assert.deepEqual(h.router.fallbacksFor('a', 'context_window'), ['big']);
    assert.deepEqual(h.router.fallbacksFor('z', 'server'), ['d']);
  });
});
