import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { GatewayError, toErrorBody } from '../errors/gateway-error.js';
import { abbreviateKey, createAuthenticator, hashKey } from './authenticate.js';
import { PrincipalCache } from './principal-cache.js';
import type { Principal } from './principal.js';
import type { ResolvedKey } from './virtual-key-resolver.js';

const MASTER = 'sk-master-1234';

/** The master key and open access are answered without waiting. */
function sync(principal: Principal | Promise<Principal>): Principal {
  assert.ok(!(principal instanceof Promise), 'answered synchronously');
  return principal;
}

/** The status and JSON body a client would get for these headers. */
function rejection(
  authenticate: ReturnType<typeof createAuthenticator>,
  headers: IncomingHttpHeaders,
) {
  try {
    authenticate(headers);
  } catch (e: unknown) {
    assert.ok(e instanceof GatewayError);
    return { status: e.status, body: toErrorBody(e) };
  }
  assert.fail('the request was let in');
}

describe('with a master key', () => {
  const authenticate = createAuthenticator({ masterKey: MASTER });

  test('the master key is accepted from every header LiteLLM reads', () => {
    const headerSets: IncomingHttpHeaders[] = [
      { 'x-litellm-api-key': `Bearer ${MASTER}` },
      { 'x-litellm-api-key': MASTER },
      { authorization: `Bearer ${MASTER}` },
      { authorization: `Basic ${MASTER}` },
      { 'api-key': MASTER },
      { 'x-api-key': MASTER },
      { 'x-goog-api-key': MASTER },
      { 'ocp-apim-subscription-key': MASTER },
    ];
    for (const headers of headerSets) {
      const principal = sync(authenticate(headers));
      assert.equal(principal.kind, 'master_key', JSON.stringify(headers));
      assert.equal(principal.role, 'proxy_admin');
      assert.equal(principal.keyHash, hashKey(MASTER));
      assert.equal(principal.canUseModel('any-model'), true);
    }
  });

  test('no key: 401 "No api key passed in."', () => {
    assert.deepEqual(rejection(authenticate, {}), {
      status: 401,
      body: {
        error: {
          message: 'Authentication Error, No api key passed in.',
          type: 'auth_error',
          param: null,
          code: '401',
        },
      },
    });
  });

  test('a key without the Bearer prefix: 401 malformed', () => {
    assert.deepEqual(rejection(authenticate, { authorization: MASTER }), {
      status: 401,
      body: {
        error: {
          message:
            'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
          type: 'auth_error',
          param: null,
          code: '401',
        },
      },
    });
  });

  test('a key that is not a virtual key: 401, abbreviated in the message', () => {
    const { status, body } = rejection(authenticate, { authorization: 'Bearer abcd-secret-wxyz' });
    assert.equal(status, 401);
    assert.equal(
      body.error.message,
      "Authentication Error, LiteLLM Virtual Key expected. Received=abcd****wxyz, expected to start with 'sk-'.",
    );
    assert.ok(!body.error.message.includes('secret'));
  });

  test('a short non-sk key is fully masked', () => {
    const { body } = rejection(authenticate, { 'x-api-key': 'short' });
    assert.match(body.error.message, /Received=\*\*\*\*,/);
  });

  test('an unknown sk- key without a database: 400 no_db_connection', () => {
    assert.deepEqual(rejection(authenticate, { authorization: 'Bearer sk-not-the-master' }), {
      status: 400,
      body: {
        error: {
          message: 'No connected db.',
          type: 'no_db_connection',
          param: null,
          code: '400',
        },
      },
    });
  });

  test('a key that only differs in length or case from the master key is not it', () => {
    for (const near of [
      `${MASTER}5`,
      MASTER.slice(0, -1),
      MASTER.toUpperCase().replace('SK-', 'sk-'),
    ]) {
      assert.equal(rejection(authenticate, { authorization: `Bearer ${near}` }).status, 400, near);
    }
  });

  test('the custom header carries the master key', () => {
    const custom = createAuthenticator({ masterKey: MASTER, keyHeaderName: 'X-Gateway-Key' });
    assert.equal(sync(custom({ 'x-gateway-key': MASTER })).kind, 'master_key');
  });
});

describe('without a master key', () => {
  const authenticate = createAuthenticator({});

  test('every request is let in as an admin, whatever it sends', () => {
    for (const headers of [{}, { authorization: 'garbage' }, { authorization: 'Bearer sk-x' }]) {
      const principal = sync(authenticate(headers));
      assert.equal(principal.kind, 'open_access');
      assert.equal(principal.role, 'proxy_admin');
      assert.equal(principal.canUseModel('anything'), true);
    }
  });
});

describe('abbreviateKey', () => {
  test('shows only the last four characters of sk- keys', () => {
    assert.equal(abbreviateKey('sk-1234567890abcd'), 'sk-...abcd');
  });

  test('shows four characters at each end of other long keys, nothing of short ones', () => {
    assert.equal(abbreviateKey('AIzaSyD-long-google-key'), 'AIza****-key');
    assert.equal(abbreviateKey('12345678'), '****');
  });
});

describe('virtual keys', () => {
  const RAW = 'sk-virtual-key-abcd';
  const HASH = hashKey(RAW);

  function virtualPrincipal(overrides: Partial<Principal> = {}): Principal {
    return {
      kind: 'virtual_key',
      role: 'internal_user',
      keyHash: HASH,
      allowedRoutes: [],
      canUseModel: () => true,
      modelAccessError: () => new GatewayError('key_model_access_denied', 'no'),
      resolveModelAlias: (m) => m,
      ...overrides,
    };
  }

  function setup(
    found: (hash: string) => ResolvedKey | null | Error,
    start = Date.UTC(2025, 0, 1),
  ) {
    let t = start;
    const lookups: string[] = [];
    const cache = new PrincipalCache({ ttlMs: 60_000, now: () => t });
    const authenticate = createAuthenticator({
      masterKey: MASTER,
      now: () => t,
      cache,
      resolveKey: async (hash) => {
        lookups.push(hash);
        const result = found(hash);
        if (result instanceof Error) throw result;
        return result;
      },
    });
    const headers = (key: string) => ({ authorization: `Bearer ${key}` });
    return {
      cache,
      lookups,
      advance: (ms: number) => (t += ms),
      call: (key = RAW) => authenticate(headers(key)),
      refusal: async (key = RAW) => {
        try {
          await authenticate(headers(key));
        } catch (e: unknown) {
          assert.ok(e instanceof GatewayError);
          return { status: e.status, body: toErrorBody(e) };
        }
        assert.fail('the key was let in');
      },
    };
  }

  test('looks a key up once, then answers from the cache without waiting', async () => {
    const p = virtualPrincipal();
    const s = setup(() => ({ principal: p }));
    const first = s.call();
    assert.ok(first instanceof Promise, 'a cold key waits for the store');
    assert.equal(await first, p);
    const warm = s.call();
    assert.equal(warm, p, 'a warm key is answered synchronously');
    assert.deepEqual(s.lookups, [HASH]);
  });

  test('concurrent first requests share one lookup', async () => {
    const s = setup(() => ({ principal: virtualPrincipal() }));
    await Promise.all([s.call(), s.call(), s.call()]);
    assert.equal(s.lookups.length, 1);
  });

  test('an unknown key: 401 token_not_found_in_db, remembered so the store is asked once a TTL', async () => {
    const s = setup(() => null);
    assert.deepEqual(await s.refusal('sk-126666'), {
      status: 401,
      body: {
        error: {
          message: `Authentication Error, Invalid proxy server token passed. Received API Key = sk-...6666, Key Hash (Token) =${hashKey('sk-126666')}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
          type: 'token_not_found_in_db',
          param: 'key',
          code: '401',
        },
      },
    });
    await s.refusal('sk-126666');
    assert.equal(s.lookups.length, 1);
    s.advance(60_000);
    await s.refusal('sk-126666');
    assert.equal(s.lookups.length, 2);
  });

  test('an expired key: 401 expired_key with both times, the key abbreviated in param', async () => {
    const s = setup(() => ({
      principal: virtualPrincipal({
        expiresAt: Date.UTC(2025, 0, 1, 0, 0, 1),
        key: { expires: '2025-01-01T00:00:01.000Z' } as never,
      }),
    }));
    assert.equal(await s.call(), (await s.call()) as Principal);
    s.advance(2000);
    assert.deepEqual(await s.refusal(), {
      status: 401,
      body: {
        error: {
          message:
            'Authentication Error - Expired Key. Key Expiry time 2025-01-01T00:00:01.000Z and current time 2025-01-01T00:00:02.000Z',
          type: 'expired_key',
          param: 'sk-...abcd',
          code: '401',
        },
      },
    });
  });

  test('a blocked key and a key of a blocked team: 401 with LiteLLM’s messages', async () => {
    const blocked = setup(() => ({
      principal: virtualPrincipal({ key: { blocked: true } as never }),
    }));
    assert.deepEqual((await blocked.refusal()).body.error, {
      message:
        "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
      type: 'auth_error',
      param: null,
      code: '401',
    });
    const team = setup(() => ({
      principal: virtualPrincipal({ team: { team_id: 'T1', blocked: true } as never }),
    }));
    assert.deepEqual((await team.refusal()).body.error, {
      message:
        "Authentication Error, Team=T1 is blocked. Update via `/team/unblock` if you're an admin.",
      type: 'auth_error',
      param: null,
      code: '401',
    });
  });

  test('an old secret in its grace period works until the period ends, even while cached', async () => {
    const start = Date.UTC(2025, 0, 1);
    const s = setup(() => ({ principal: virtualPrincipal(), validUntil: start + 10_000 }), start);
    assert.ok(await s.call());
    s.advance(9_999);
    assert.ok(s.call());
    s.advance(1);
    assert.ok((await s.call()) !== undefined);
    assert.equal(
      s.lookups.length,
      2,
      'the entry ended with the grace period and was looked up again',
    );
  });

  test('a store that fails: 503, nothing cached', async () => {
    let fail = true;
    const s = setup(() =>
      fail ? new Error('connection refused') : { principal: virtualPrincipal() },
    );
    assert.deepEqual(await s.refusal(), {
      status: 503,
      body: {
        error: {
          message:
            'Service Unavailable, the authentication database is temporarily unreachable. Please retry shortly.',
          type: 'service_unavailable',
          param: null,
          code: '503',
        },
      },
    });
    fail = false;
    assert.ok(await s.call());
  });

  test('the master key never reaches the store', () => {
    const s = setup(() => null);
    assert.equal(
      sync(createAuthenticator({ masterKey: MASTER })({ authorization: `Bearer ${MASTER}` })).kind,
      'master_key',
    );
    assert.equal((s.call(MASTER) as Principal).kind, 'master_key');
    assert.deepEqual(s.lookups, []);
  });
});
