/**
 * Property-based fuzzing of every admin route of the permission table (every route but the LLM
 * calls; those are in fuzz-proxy-routes.test.ts): hostile inputs built from each route's schema,
 * from every caller. No 5xx, no secret in any answer or log line, no change from a refusal.
 * Changes that destroy things (delete, block, reset) run last, so the others meet a full fixture.
 *
 * TOLLGATE_FUZZ_RUNS=500 npm test -- fuzz-   runs longer; TOLLGATE_FUZZ_SEED replays a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTE_ACCESS } from '../src/auth/route-permissions.js';
import {
  leakedSecrets,
  startHostileFixture,
  type HostileFixture,
} from './helpers/hostile-fixture.js';
import { FUZZ_RUNS, LLM_ROUTE, fuzzRoute, methodsOf } from './helpers/route-fuzzer.js';
import { ROUTE_INPUTS, validInputs } from './helpers/route-inputs.js';

const RUNS = FUZZ_RUNS || 12;
const DESTRUCTIVE = /(delete|block|reset|regenerate)$/;

const routes = Object.keys(ROUTE_ACCESS)
  .filter((route) => !LLM_ROUTE.test(route))
  .sort((a, b) => Number(DESTRUCTIVE.test(a)) - Number(DESTRUCTIVE.test(b)));

describe('fuzzing every admin route', () => {
  let fixture: HostileFixture;
  let valid: ReturnType<typeof validInputs>;
  before(async () => {
    fixture = await startHostileFixture();
    valid = validInputs(fixture.ids);
  });
  after(async () => {
    await fixture?.close();
  });

  it('serves every route of the table it fuzzes', () => {
    for (const route of routes) {
      assert.ok(methodsOf(fixture, route).length > 0, `${route} is not served`);
    }
  });

  for (const route of routes) {
    it(`${route}: no 5xx, no secret, no change from a refusal`, async (t) => {
      for (const method of methodsOf(fixture, route)) {
        const statuses = await fuzzRoute(
          fixture,
          { method, route, input: ROUTE_INPUTS[route], valid: valid[route] },
          RUNS,
        );
        t.diagnostic(`${method} answers by status: ${JSON.stringify(statuses)}`);
      }
    });
  }

  it('wrote no secret to any log line', () => {
    assert.ok(fixture.logs.length > 0, 'the logs were captured');
    const leaks = fixture.logs.flatMap((line) =>
      leakedSecrets(line, fixture.secrets).map((what) => `${what} in ${line.slice(0, 200)}`),
    );
    assert.deepEqual(leaks, []);
  });
});
