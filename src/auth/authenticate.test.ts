import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { GatewayError, toErrorBody } from '../errors/gateway-error.js';
import { abbreviateKey, createAuthenticator, hashKey } from './authenticate.js';

const MASTER = 'sk-master-1234';

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
      const principal = authenticate(headers);
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
    assert.equal(custom({ 'x-gateway-key': MASTER }).kind, 'master_key');
  });
});

describe('without a master key', () => {
  const authenticate = createAuthenticator({});

  test('every request is let in as an admin, whatever it sends', () => {
    for (const headers of [{}, { authorization: 'garbage' }, { authorization: 'Bearer sk-x' }]) {
      const principal = authenticate(headers);
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
