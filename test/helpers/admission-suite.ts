/**
 * The rules of admission, run against every CounterStore (in memory, Redis) so each store is held
 * to the same behaviour: the same refusals, the same lowering, the same waits.
 *
 *   describeAdmissionRules('local', async () => ({ store: new LocalCounterStore(), ... }));
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CounterAdmission, type CounterAdmissionOptions } from '../../src/spend/admission.js';
import { counterKey, type CounterStore } from '../../src/spend/counter-store.js';
import type { AdmissionRequest, Admitted, Scope, ScopeKind } from '../../src/spend/types.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { seededRandom } from './seeded-random.js';

export interface StoreFixture {
  store: CounterStore;
  /** Resolves once every settle and forget sent so far has been applied. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const START = Date.UTC(2025, 0, 1, 0, 0, 0);

/** A clock the tests move by hand. */
export function manualClock(start = START): { now: () => number; advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

export function makeScope(kind: ScopeKind, id: string, fields: Partial<Scope> = {}): Scope {
  const scope = { kind, id, label: id, spend: 0, ...fields };
  return { ...scope, key: counterKey(scope.kind, scope.id) };
}

let requestCounter = 0;

/** Prices that are exact in binary: input 0.25, output 0.0625 per token, 10 tokens → worst 0.875. */
export function makeRequest(
  scopes: Scope[],
  fields: Partial<AdmissionRequest> = {},
): AdmissionRequest {
  requestCounter++;
  return {
    requestId: `req-${requestCounter}`,
    scopes,
    inputCost: 0.25,
    outputCostPerToken: 0.0625,
    maxTokens: 10,
    estimatedTokens: 20,
    ...fields,
  };
}

/** The error an admission throws, synchronously or from its promise. */
async function refusal(attempt: () => Admitted | Promise<Admitted>): Promise<GatewayError> {
  try {
    await attempt();
  } catch (error: unknown) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

/** True once the promise settles, checked after the event loop has had a turn. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !done;
}

export function describeAdmissionRules(name: string, open: () => Promise<StoreFixture>): void {
  describe(`admission rules (${name})`, () => {
    async function setup(
      t: { after(fn: () => Promise<void>): void },
      options: Partial<CounterAdmissionOptions> = {},
    ) {
      const fixture = await open();
      t.after(() => fixture.close());
      const clock = manualClock();
      const admission = new CounterAdmission({
        store: fixture.store,
        now: clock.now,
        retryIntervalMs: 10,
        ...options,
      });
      return { admission, clock, sync: () => fixture.sync() };
    }

    test('reserves the worst case when every budget can pay it', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1.75 });
      const first = await admission.admit(makeRequest([key]));
      assert.equal(first.loweredMaxTokens, undefined);
      const second = await admission.admit(makeRequest([key]));
      assert.equal(second.loweredMaxTokens, undefined);
      // 1.75 is now fully reserved; the budget is not spent, so a third call waits, not refused.
      const third = Promise.resolve(admission.admit(makeRequest([key])));
      assert.ok(await isPending(third));
      first.settle(0.875, 30);
      second.settle(0.5, 30);
      await sync();
      // 0.375 left: 0.25 input + 2 tokens of 0.0625.
      assert.equal((await third).loweredMaxTokens, 2);
    });

    test('lowers max_tokens to what the poorest budget can pay', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 10, spend: 1 });
      const team = makeScope('team', 't1', { maxBudget: 1, spend: 0.5 });
      const admitted = await admission.admit(makeRequest([key, team]));
      // The team has 0.5: 0.25 for the prompt and 4 tokens of 0.0625.
      assert.equal(admitted.loweredMaxTokens, 4);
    });

    test('refuses with LiteLLM’s message for each kind of scope, 429 by default', async (t) => {
      const { admission } = await setup(t);
      const cases: [Scope, string][] = [
        [
          makeScope('key', 'hash1', { label: 'my-key (sk-...abcd)', maxBudget: 0.01, spend: 0.02 }),
          'Budget has been exceeded! Key=my-key (sk-...abcd) Current cost: 0.02, Max budget: 0.01',
        ],
        [
          makeScope('team', 'team-1', { maxBudget: 0.00001, spend: 0.00002 }),
          'Budget has been exceeded! Team=team-1 Current cost: 2e-05, Max budget: 1e-05',
        ],
        [
          makeScope('team_member', 'team-1:ann', { label: 'ann', maxBudget: 2, spend: 3 }),
          'Budget has been exceeded! User=ann in Team=team-1 Current cost: 3.0, Max budget: 2.0',
        ],
        [
          makeScope('user', 'ann', { maxBudget: 1, spend: 1 }),
          'ExceededBudget: User=ann over budget. Spend=1.0, Budget=1.0',
        ],
        [
          makeScope('customer', 'cust-9', { maxBudget: 0.5, spend: 10 }),
          'ExceededBudget: End User=cust-9 over budget. Spend=10.0, Budget=0.5',
        ],
      ];
      for (const [scope, message] of cases) {
        const error = await refusal(() => admission.admit(makeRequest([scope])));
        assert.equal(error.code, 'budget_exceeded');
        assert.equal(error.status, 429);
        assert.equal(error.type, 'budget_exceeded');
        assert.equal(error.param, null);
        assert.equal(error.message, message);
      }
    });

    test('answers 400 when configured as older LiteLLM', async (t) => {
      const { admission } = await setup(t, { budgetExceededStatus: 400 });
      const key = makeScope('key', 'k1', { maxBudget: 1, spend: 1 });
      assert.equal((await refusal(() => admission.admit(makeRequest([key])))).status, 400);
    });

    test('max_budget 0 blocks the first call, for key and team alike', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 0 });
      assert.match(
        (await refusal(() => admission.admit(makeRequest([key])))).message,
        /Current cost: 0\.0, Max budget: 0\.0$/,
      );
      const team = makeScope('team', 't1', { maxBudget: 0 });
      assert.match(
        (await refusal(() => admission.admit(makeRequest([team])))).message,
        /^Budget has been exceeded! Team=t1/,
      );
    });

    test('spend at exactly the budget refuses a key (>=) and a team that cannot pay a token', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1, spend: 1 });
      const team = makeScope('team', 't1', { maxBudget: 1, spend: 1 });
      assert.equal(
        (await refusal(() => admission.admit(makeRequest([key])))).code,
        'budget_exceeded',
      );
      assert.equal(
        (await refusal(() => admission.admit(makeRequest([team])))).code,
        'budget_exceeded',
      );
      // A budget that can pay exactly the cheapest call (prompt + 1 token) is not refused.
      const poor = makeScope('team', 't2', { maxBudget: 1, spend: 0.6875 });
      assert.equal((await admission.admit(makeRequest([poor]))).loweredMaxTokens, 1);
    });

    test('refuses the scope that is out of money even when another one only waits', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1 });
      const user = makeScope('user', 'u1', { maxBudget: 5, spend: 5 });
      await admission.admit(makeRequest([key]));
      const error = await refusal(() => admission.admit(makeRequest([key, user])));
      assert.match(error.message, /^ExceededBudget: User=u1/);
    });

    test('waits for a reservation to settle, then admits', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1 });
      const first = await admission.admit(makeRequest([key]));
      const second = Promise.resolve(admission.admit(makeRequest([key])));
      assert.ok(await isPending(second));
      first.settle(0.25, 5);
      await sync();
      const admitted = await second;
      assert.equal(admitted.loweredMaxTokens, 8);
    });

    test('asks for the abort signal only when a call has to wait', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1 });
      let asked = 0;
      const controller = new AbortController();
      const abortSignal = () => {
        asked++;
        return controller.signal;
      };
      const first = await admission.admit(makeRequest([key], { abortSignal }));
      assert.equal(asked, 0, 'an admitted call made its signal');
      const waiting = Promise.resolve(admission.admit(makeRequest([key], { abortSignal })));
      assert.ok(await isPending(waiting));
      assert.equal(asked, 1);
      first.settle(0, 0);
      await sync();
      (await waiting).settle(0, 0);
    });

    test('an abort while waiting ends the wait and reserves nothing', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1 });
      const first = await admission.admit(makeRequest([key]));
      const controller = new AbortController();
      const waiting = Promise.resolve(
        admission.admit(makeRequest([key], { abortSignal: () => controller.signal })),
      );
      assert.ok(await isPending(waiting));
      controller.abort();
      assert.equal((await refusal(() => waiting)).code, 'timeout');
      first.settle(0, 0);
      await sync();
      assert.equal((await admission.admit(makeRequest([key]))).loweredMaxTokens, undefined);
    });

    test('a wait that runs out of time is refused with the budget message', async (t) => {
      const { admission } = await setup(t, { maxWaitMs: 30 });
      const key = makeScope('key', 'k1', { label: 'sk-...abcd', maxBudget: 1 });
      await admission.admit(makeRequest([key]));
      const error = await refusal(() => admission.admit(makeRequest([key])));
      assert.equal(
        error.message,
        'Budget has been exceeded! Key=sk-...abcd Current cost: 0.0, Max budget: 1.0',
      );
    });

    test('settle adds the real cost even above the reservation, and only once', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 3 });
      const admitted = await admission.admit(makeRequest([key]));
      admitted.settle(2, 10);
      admitted.settle(2, 10);
      await sync();
      // 1 left: the worst case (0.875) still fits. Had the second settle counted, 1 would be gone.
      assert.equal((await admission.admit(makeRequest([key]))).loweredMaxTokens, undefined);
      const other = await admission.admit(makeRequest([makeScope('key', 'k2', { maxBudget: 3 })]));
      other.settle(2.9, 10);
      await sync();
      assert.match(
        (
          await refusal(() =>
            admission.admit(makeRequest([makeScope('key', 'k2', { maxBudget: 3 })])),
          )
        ).message,
        /Current cost: 2\.9,/,
      );
    });

    test('a call priced at 0 skips budgets but its real cost is still counted', async (t) => {
      const { admission, sync } = await setup(t);
      const key = makeScope('key', 'k1', { maxBudget: 1, spend: 1 });
      const free = await admission.admit(
        makeRequest([key], { inputCost: 0, outputCostPerToken: 0 }),
      );
      free.settle(0, 10);
      const fresh = makeScope('key', 'k2', { maxBudget: 1 });
      (await admission.admit(makeRequest([fresh]))).settle(0.5, 1);
      const freeAgain = await admission.admit(
        makeRequest([fresh], { inputCost: 0, outputCostPerToken: 0 }),
      );
      freeAgain.settle(0.5, 1);
      await sync();
      assert.match(
        (await refusal(() => admission.admit(makeRequest([fresh])))).message,
        /Current cost: 1\.0,/,
      );
    });

    test('first sight adds the spend the ledger has not written yet', async (t) => {
      const { admission } = await setup(t, {
        ledgerPending: (scopeKey) => (scopeKey === 'user:u1' ? 0.75 : 0),
      });
      const user = makeScope('user', 'u1', { maxBudget: 1, spend: 0.25 });
      assert.match(
        (await refusal(() => admission.admit(makeRequest([user])))).message,
        /Spend=1\.0, Budget=1\.0/,
      );
    });

    test('a passed budget window starts from 0, and the window rolls while running', async (t) => {
      const { admission, clock, sync } = await setup(t);
      const old = makeScope('key', 'k1', {
        maxBudget: 1,
        spend: 1,
        budgetDuration: '1d',
        budgetResetAt: new Date(START - 1000).toISOString(),
      });
      const admitted = await admission.admit(makeRequest([old]));
      assert.equal(admitted.loweredMaxTokens, undefined);
      admitted.settle(1, 10);
      await sync();
      assert.equal(
        (await refusal(() => admission.admit(makeRequest([old])))).code,
        'budget_exceeded',
      );
      clock.advance(86_400_000);
      assert.equal((await admission.admit(makeRequest([old]))).loweredMaxTokens, undefined);
    });

    test('forget reloads a scope from its stored spend', async (t) => {
      const { admission, sync } = await setup(t);
      (await admission.admit(makeRequest([makeScope('key', 'k1', { maxBudget: 1 })]))).settle(0, 1);
      await sync();
      const changed = makeScope('key', 'k1', { maxBudget: 1, spend: 1 });
      // Counters are held: the stale row does not matter until admin says so.
      (await admission.admit(makeRequest([changed]))).settle(0, 1);
      admission.forget('key', 'k1');
      await sync();
      assert.equal(
        (await refusal(() => admission.admit(makeRequest([changed])))).code,
        'budget_exceeded',
      );
    });

    test('rpm counts requests in fixed 60 s windows, with LiteLLM’s message and retry-after', async (t) => {
      const { admission, clock } = await setup(t);
      const key = makeScope('key', 'hash-1', { rpmLimit: 2 });
      clock.advance(15_000);
      const first = await admission.admit(makeRequest([key]));
      assert.equal(first.headers['x-ratelimit-remaining-requests'], '1');
      assert.equal(first.headers['x-ratelimit-limit-requests'], '2');
      await admission.admit(makeRequest([key]));
      const error = await refusal(() => admission.admit(makeRequest([key])));
      assert.equal(error.status, 429);
      assert.equal(
        error.message,
        'Rate limit exceeded for api_key: hash-1. Limit type: requests. Current limit: 2, Remaining: 0. Limit resets at: 2025-01-01 00:01:00 UTC',
      );
      assert.equal(error.headers['retry-after'], '45');
      assert.equal(error.type, 'None');
      clock.advance(45_000);
      assert.equal(
        (await admission.admit(makeRequest([key]))).headers['x-ratelimit-remaining-requests'],
        '1',
      );
    });

    test('tpm refuses once past responses used the window’s tokens', async (t) => {
      const { admission, clock, sync } = await setup(t);
      const user = makeScope('user', 'u1', { tpmLimit: 10 });
      const first = await admission.admit(makeRequest([user]));
      assert.equal(first.headers['x-ratelimit-remaining-tokens'], '10');
      first.settle(0.1, 50);
      await sync();
      const error = await refusal(() => admission.admit(makeRequest([user])));
      assert.match(
        error.message,
        /^Rate limit exceeded for user: u1\. Limit type: tokens\. Current limit: 10,/,
      );
      clock.advance(60_000);
      await admission.admit(makeRequest([user]));
    });

    test('max_parallel_requests holds a slot until settle', async (t) => {
      const { admission, sync } = await setup(t);
      const team = makeScope('team', 't1', { maxParallelRequests: 1 });
      const first = await admission.admit(makeRequest([team]));
      const error = await refusal(() => admission.admit(makeRequest([team])));
      assert.match(
        error.message,
        /^Rate limit exceeded for team: t1\. Limit type: max_parallel_requests\./,
      );
      first.settle(0, 0);
      await sync();
      await admission.admit(makeRequest([team]));
    });

    test('a refused request changes no counter', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { rpmLimit: 5, maxParallelRequests: 5, maxBudget: 1 });
      const team = makeScope('team', 't1', { rpmLimit: 1 });
      await admission.admit(makeRequest([team]));
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await refusal(() => admission.admit(makeRequest([key, team])))).code,
          'rate_limit',
        );
      }
      const alone = await admission.admit(makeRequest([key]));
      assert.equal(alone.headers['x-ratelimit-remaining-requests'], '4');
      // Nothing was reserved either: the worst case still fits the budget.
      assert.equal(alone.loweredMaxTokens, undefined);
    });

    test('headers come from the tightest scope', async (t) => {
      const { admission } = await setup(t);
      const key = makeScope('key', 'k1', { rpmLimit: 100, tpmLimit: 50 });
      const user = makeScope('user', 'u1', { rpmLimit: 3, tpmLimit: 1000 });
      const admitted = await admission.admit(makeRequest([key, user]));
      assert.deepEqual(admitted.headers, {
        'x-ratelimit-remaining-requests': '2',
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-tokens': '50',
        'x-ratelimit-limit-tokens': '50',
      });
    });
  });
}

export interface RaceResult {
  admitted: number;
  refused: number;
  settledCost: number;
}

/**
 * 200 concurrent calls against a key whose budget pays about 20 worst cases, spread over the
 * given admissions (one per replica). Each admitted call "runs" for a random moment and settles at
 * 80–100 % of what it reserved, as a real call would. Every refusal must be the budget's.
 */
export async function raceForBudget(
  admissions: readonly CounterAdmission[],
  budget: { maxBudget: number; seed: number },
): Promise<RaceResult> {
  const random = seededRandom(budget.seed);
  const key = makeScope('key', `race-${budget.seed}`, {
    maxBudget: budget.maxBudget,
    label: 'race',
  });
  const team = makeScope('team', `race-team-${budget.seed}`, { maxBudget: budget.maxBudget * 10 });
  const result: RaceResult = { admitted: 0, refused: 0, settledCost: 0 };
  const calls = Array.from({ length: 200 }, async (_, i) => {
    const request = makeRequest([key, team], {
      inputCost: 0.01,
      outputCostPerToken: 0.001,
      maxTokens: 100,
    });
    const runFor = Math.floor(random() * 5);
    const share = 0.8 + random() * 0.2;
    let admitted: Admitted;
    try {
      admitted = await admissions[i % admissions.length]!.admit(request);
    } catch (error: unknown) {
      assert.ok(error instanceof GatewayError && error.code === 'budget_exceeded', String(error));
      result.refused++;
      return;
    }
    result.admitted++;
    await new Promise((resolve) => setTimeout(resolve, runFor));
    const tokens = Math.max(
      1,
      Math.floor((admitted.loweredMaxTokens ?? request.maxTokens) * share),
    );
    const cost = request.inputCost + tokens * request.outputCostPerToken;
    result.settledCost += cost;
    admitted.settle(cost, tokens);
  });
  await Promise.all(calls);
  return result;
}
