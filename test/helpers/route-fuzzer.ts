/**
 * Property-based fuzzing of one gateway route with fast-check: hostile bodies or query strings
 * (from the route's zod schema, or any JSON), hostile path parameters, any caller (every role, no
 * key, an unknown key, SQL probes as the key) and spoofed forwarding headers. For every request:
 * no 5xx, no secret in the answer, and when the answer is a refusal, no change in the database.
 *
 * TOLLGATE_FUZZ_RUNS sets the runs per route (CI default in the suites); TOLLGATE_FUZZ_SEED
 * replays a failure (fast-check prints the seed and path of any counterexample).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import type { HostileFixture, CallerName } from './hostile-fixture.js';
import { leakedSecrets } from './hostile-fixture.js';
import {
  anyJson,
  arbitraryFor,
  hostileString,
  HOSTILE_STRINGS,
  type ValuePools,
} from './zod-arbitrary.js';

/**
 * The LLM routes of the permission table: calls to models (fuzzed by fuzz-proxy-routes, with the
 * money invariants) rather than admin changes (fuzz-admin-routes, where a refusal changes nothing).
 */
export const LLM_ROUTE =
  /(completions|embeddings|messages|responses|moderations|generations|edits|variations|rerank|speech|transcriptions|translations|count_tokens|input_tokens|responses\/:id(\/(cancel|input_items))?)$/;

export const FUZZ_RUNS = Number(process.env.TOLLGATE_FUZZ_RUNS ?? 0);
const SEED = process.env.TOLLGATE_FUZZ_SEED ? Number(process.env.TOLLGATE_FUZZ_SEED) : undefined;

/**
 * Routes of a feature the fixture leaves off (the response cache): they answer LiteLLM's 503
 * "not initialized" by design, not from a failure.
 */
const OFF_IN_FIXTURE = /^\/cache\/(ping|delete)$/;

export interface FuzzTarget {
  method: string;
  /** The route as the permission table writes it (`/key/:key/regenerate`). */
  route: string;
  /** Its input schema; without one, any JSON. */
  input?: z.ZodType;
  /** An input it accepts, which most runs overlay with a few hostile fields. */
  valid?: Record<string, unknown>;
}

/** For routes without a schema of their own: the fields most routes name things with. */
const GENERIC_INPUT = z.object({
  user_id: z.string(),
  team_id: z.string(),
  key: z.string(),
  model: z.string(),
  page: z.number(),
});

/** The tables whose rows a refused request must leave alone. */
const GUARDED_TABLES = [
  'keys',
  'deprecated_keys',
  'users',
  'teams',
  'team_members',
  'customers',
  'audit_log',
  'models',
  'invitations',
  'ui_sessions',
] as const;

/**
 * Everything the store holds that a refusal must not change; spend as a total only. Read through
 * the fixture's read-only connection: synchronous, cheap enough to run around every request.
 */
export async function snapshot(fixture: HostileFixture): Promise<string> {
  await fixture.gateway.app.ledger?.flush();
  const reader = fixture.reader;
  const parts: unknown[] = GUARDED_TABLES.map((table) =>
    reader
      .prepare(`select * from ${table}`)
      .all()
      .map((row) => JSON.stringify(row))
      .sort(),
  );
  // A refused call may leave a failure row in the spend log (LiteLLM logs those); never money.
  parts.push(reader.prepare('select sum(spend) as total from spend_logs').get());
  return JSON.stringify(parts);
}

/** Header-safe text (fetch refuses CR, LF, NUL and non-Latin-1 in header values). */
const headerText = (pools: ValuePools) =>
  hostileString(pools).filter((s) => /^[\t\x20-\x7e]*$/.test(s));

function callerHeaders(fixture: HostileFixture, pools: ValuePools) {
  const named = fc
    .constantFrom<CallerName>(
      'team_a_admin',
      'team_b_admin',
      'internal_user',
      'internal_user_viewer',
      'proxy_admin_viewer',
      'none',
      'bogus',
    )
    .map((caller): Record<string, string> =>
      caller === 'none' ? {} : { authorization: `Bearer ${fixture.keys[caller]}` },
    );
  const probe = fc
    .tuple(fc.constantFrom('Bearer ', 'Basic ', 'bearer  ', '', 'Bearer sk-'), headerText(pools))
    .map(([scheme, text]): Record<string, string> => ({ authorization: `${scheme}${text}` }));
  const otherHeader = fc
    .tuple(
      fc.constantFrom('x-api-key', 'x-litellm-api-key', 'api-key', 'x-goog-api-key'),
      headerText(pools),
    )
    .map(([name, text]): Record<string, string> => ({ [name]: text }));
  // A made-up web UI session (the authenticator reads the cookie when a request has no key).
  const cookie = headerText(pools).map((text): Record<string, string> => ({
    cookie: `tollgate_session=${encodeURIComponent(text)}; tollgate_csrf=${encodeURIComponent(text)}`,
    'x-csrf-token': text,
  }));
  const master = fc.constant({ authorization: `Bearer ${fixture.keys.master}` });
  return fc.oneof(
    { arbitrary: master, weight: 5 },
    { arbitrary: named, weight: 4 },
    probe,
    otherHeader,
    cookie,
  );
}

const forwarding = (pools: ValuePools) =>
  fc.dictionary(
    fc.constantFrom('x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'),
    headerText(pools),
    { maxKeys: 2 },
  );

function pathFor(route: string, params: string[]): string {
  let i = 0;
  // Lone surrogates cannot be percent-encoded; they reach the gateway as U+FFFD instead.
  const encode = (text: string) => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));
  return route.replace(/:[a-z]+|\*/g, () => encode(params[i++] ?? 'x'));
}

/**
 * Fuzzes one route; resolves with how many answers had each status when every run held, throws
 * fast-check's report (with the seed and path to replay it) otherwise.
 */
export async function fuzzRoute(
  fixture: HostileFixture,
  target: FuzzTarget,
  runs: number,
): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  const pools: ValuePools = {
    known: [
      fixture.ids.victimUser,
      fixture.ids.victimKeyHash,
      fixture.ids.teamB,
      fixture.ids.customer,
      fixture.ids.dbModel,
      'victim-key',
      ...HOSTILE_STRINGS.slice(0, 6),
    ],
    keys: [fixture.ids.victimKey],
    models: fixture.models,
  };
  const isGet = target.method === 'GET';
  const hostile = arbitraryFor(target.input ?? GENERIC_INPUT, pools);
  // The valid input with one to three of its fields replaced or added.
  const mutated = fc.tuple(hostile, fc.integer({ min: 1, max: 3 })).map(([value, count]) => {
    const fields = value && typeof value === 'object' ? Object.entries(value) : [];
    return { ...target.valid, ...Object.fromEntries(fields.slice(0, count)) };
  });
  const input: fc.Arbitrary<{ query?: URLSearchParams; body?: string }> = isGet
    ? fc.oneof(mutated, hostile).map((value) => ({ query: toQuery(value) }))
    : fc
        .oneof(
          { arbitrary: mutated, weight: 5 },
          { arbitrary: hostile, weight: 3 },
          { arbitrary: anyJson, weight: 1 },
        )
        .chain((value) =>
          fc.oneof(
            { arbitrary: fc.constant(JSON.stringify(value)), weight: 9 },
            // Not JSON at all, or cut short.
            { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
          ),
        )
        .map((body) => ({ body }));
  const headers = fc
    .tuple(
      callerHeaders(fixture, pools),
      forwarding(pools),
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
    )
    .map(([auth, forwarded, contentType]) => ({ auth, forwarded, contentType }));
  const property = fc.asyncProperty(
    input,
    fc.array(hostileString(pools), { minLength: 1, maxLength: 2 }),
    headers,
    async (request, params, { auth, forwarded, contentType }) => {
      const path = pathFor(target.route, params);
      const query = request.query?.toString();
      const url = `${fixture.gateway.url}${path}${query ? `?${query}` : ''}`;
      const before = await snapshot(fixture);
      const response = await fetch(url, {
        method: target.method,
        headers: { 'content-type': contentType, ...forwarded, ...auth },
        body: isGet ? undefined : request.body,
      });
      const text = await response.text();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      const sent = `${url} ${request.body ?? ''} ${JSON.stringify(auth)}`;
      assert.ok(
        response.status < 500 || (response.status === 503 && OFF_IN_FIXTURE.test(target.route)),
        `${target.method} ${path} answered ${response.status}: ${text.slice(0, 300)}`,
      );
      const leaks = leakedSecrets(text, fixture.secrets, sent);
      assert.deepEqual(leaks, [], `${target.method} ${path} answered with ${leaks.join(', ')}`);
      if (response.status >= 400) {
        assert.equal(
          await snapshot(fixture),
          before,
          `${target.method} ${path} refused with ${response.status} yet changed the database: ${text.slice(0, 300)}`,
        );
      }
    },
  );
  await fc.assert(property, { numRuns: runs, seed: SEED, endOnFailure: true });
  return statuses;
}

function toQuery(value: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [name, v] of Object.entries(value)) {
      if (v !== undefined) params.append(name, typeof v === 'string' ? v : JSON.stringify(v));
    }
  }
  return params;
}

/** Every method a route of the permission table is served with. */
export function methodsOf(fixture: HostileFixture, route: string): string[] {
  return ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].filter((method) =>
    fixture.gateway.app.server.hasRoute({ method: method as 'GET', url: route }),
  );
}
