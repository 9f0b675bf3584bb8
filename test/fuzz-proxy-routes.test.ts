/**
 * Property-based fuzzing of every LLM route of the permission table (chat, completions,
 * embeddings, the Azure-style paths, Anthropic messages): hostile bodies built from each route's
 * request schema, from every caller. No 5xx, no secret in any answer or log line, no money taken
 * by a refusal, and never a request to a host the client named.
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

const RUNS = FUZZ_RUNS || 25;
// Stored responses by id take no body: they are walked by the role table, not fuzzed here.
const routes = Object.keys(ROUTE_ACCESS).filter(
  (route) => LLM_ROUTE.test(route) && !route.includes(':id'),
);

describe('fuzzing every LLM route', () => {
  let fixture: HostileFixture;
  let valid: ReturnType<typeof validInputs>;
  before(async () => {
    fixture = await startHostileFixture();
    valid = validInputs(fixture.ids);
  });
  after(async () => {
    await fixture?.close();
  });

  it('covers the LLM routes of the table', () => {
    assert.ok(routes.length >= 11, routes.join(' '));
    for (const route of routes) assert.deepEqual(methodsOf(fixture, route), ['POST'], route);
  });

  for (const route of routes) {
    it(`${route}: no 5xx, no secret, no money taken by a refusal`, async (t) => {
      const statuses = await fuzzRoute(
        fixture,
        { method: 'POST', route, input: ROUTE_INPUTS[route], valid: valid[route] },
        RUNS,
      );
      t.diagnostic(`answers by status: ${JSON.stringify(statuses)}`);
    });
  }

  it('sent every upstream request to the configured address with the configured key', () => {
    for (const request of fixture.upstream.requests) {
      assert.ok(request.path.startsWith('/v1/'), request.path);
      assert.ok(
        /^Bearer sk-provider-(config|db)-/.test(String(request.headers.authorization)),
        'the deployment key, never one from the client',
      );
    }
  });

  it('wrote no secret to any log line', () => {
    const leaks = fixture.logs.flatMap((line) =>
      leakedSecrets(line, fixture.secrets).map((what) => `${what} in ${line.slice(0, 200)}`),
    );
    assert.deepEqual(leaks, []);
  });
});
