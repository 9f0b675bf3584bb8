import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, test } from 'node:test';
import { extractApiKey } from './extract-api-key.js';

/** Node lower-cases incoming header names; so do the tests. */
function key(headers: IncomingHttpHeaders, custom?: string) {
  return extractApiKey(headers, custom);
}

describe('LiteLLM’s header order', () => {
  const all: Record<string, string> = {
    'x-litellm-api-key': 'Bearer k-litellm',
    authorization: 'Bearer k-auth',
    'api-key': 'k-azure',
    'x-api-key': 'k-anthropic',
    'x-goog-api-key': 'k-google',
    'ocp-apim-subscription-key': 'k-apim',
  };
  const order = [
    ['x-litellm-api-key', 'k-litellm'],
    ['authorization', 'k-auth'],
    ['api-key', 'k-azure'],
    ['x-api-key', 'k-anthropic'],
    ['x-goog-api-key', 'k-google'],
    ['ocp-apim-subscription-key', 'k-apim'],
  ] as const;

  test('each header wins over every header after it', () => {
    for (let i = 0; i < order.length; i++) {
      const headers: Record<string, string | undefined> = {};
      for (const [name] of order.slice(i)) headers[name] = all[name];
      assert.deepEqual(key(headers), { kind: 'key', value: order[i]?.[1] }, order[i]?.[0]);
    }
  });

  test('no key header at all is none', () => {
    assert.deepEqual(key({ 'content-type': 'application/json' }), { kind: 'none' });
  });
});

describe('x-litellm-api-key', () => {
  test('takes the key with or without Bearer', () => {
    assert.deepEqual(key({ 'x-litellm-api-key': 'Bearer sk-1' }), { kind: 'key', value: 'sk-1' });
    assert.deepEqual(key({ 'x-litellm-api-key': 'sk-1' }), { kind: 'key', value: 'sk-1' });
  });

  test('an empty value is malformed', () => {
    assert.deepEqual(key({ 'x-litellm-api-key': '' }), { kind: 'malformed' });
  });
});

describe('Authorization', () => {
  test('Bearer and Basic are stripped, whatever their case', () => {
    for (const value of [
      'Bearer sk-1',
      'bearer sk-1',
      'BEARER sk-1',
      'Basic sk-1',
      'Bearer   sk-1 ',
    ]) {
      assert.deepEqual(key({ authorization: value }), { kind: 'key', value: 'sk-1' }, value);
    }
  });

  test('any other scheme, or no scheme, is malformed', () => {
    for (const value of ['sk-1', 'Token sk-1', 'Digest abc', 'Bearer']) {
      assert.deepEqual(key({ authorization: value }), { kind: 'malformed' }, value);
    }
  });

  test('Bearer with nothing after it is malformed', () => {
    assert.deepEqual(key({ authorization: 'Bearer ' }), { kind: 'malformed' });
  });

  test('an empty Authorization header is ignored, so later headers still count', () => {
    assert.deepEqual(key({ authorization: '', 'x-api-key': 'sk-2' }), {
      kind: 'key',
      value: 'sk-2',
    });
    assert.deepEqual(key({ authorization: '' }), { kind: 'none' });
  });

  test('a malformed Authorization is not rescued by a later header', () => {
    assert.deepEqual(key({ authorization: 'Token x', 'x-api-key': 'sk-2' }), { kind: 'malformed' });
  });
});

describe('the other headers', () => {
  test('take the value as it is, trimmed', () => {
    assert.deepEqual(key({ 'api-key': ' sk-az ' }), { kind: 'key', value: 'sk-az' });
    assert.deepEqual(key({ 'x-goog-api-key': 'AIza' }), { kind: 'key', value: 'AIza' });
  });

  test('an empty value is malformed', () => {
    assert.deepEqual(key({ 'x-api-key': '   ' }), { kind: 'malformed' });
  });

  test('a repeated header uses its first value', () => {
    assert.deepEqual(
      key({ 'x-litellm-api-key': ['sk-first', 'sk-second'] } as IncomingHttpHeaders),
      {
        kind: 'key',
        value: 'sk-first',
      },
    );
  });
});

describe('a custom header (litellm_key_header_name)', () => {
  test('is read first, with or without Bearer, and its name is case-insensitive', () => {
    const headers = { 'x-my-key': 'Bearer sk-custom', authorization: 'Bearer sk-auth' };
    assert.deepEqual(key(headers, 'X-My-Key'), { kind: 'key', value: 'sk-custom' });
    assert.deepEqual(key({ 'x-my-key': 'sk-custom' }, 'x-my-key'), {
      kind: 'key',
      value: 'sk-custom',
    });
  });

  test('when absent, the standard headers are read', () => {
    assert.deepEqual(key({ authorization: 'Bearer sk-auth' }, 'X-My-Key'), {
      kind: 'key',
      value: 'sk-auth',
    });
  });
});
