import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATEWAY_ONLY_FIELDS, upstreamBody } from './url.js';

describe('upstreamBody', () => {
  const spreadThenTrim = (
    request: object,
    defaults: Record<string, unknown>,
    model: string,
  ): Record<string, unknown> => {
    const body: Record<string, unknown> = { ...defaults, ...request, model };
    for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
    return body;
  };

  it('has the keys, order and values of the defaults and the request, minus the gateway fields', () => {
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ model: 'public', messages: [{ role: 'user', content: 'hi' }], stream: true }, {}],
      [
        { temperature: 0.2, metadata: { tags: ['a'] }, model: 'public', mock_response: 'x' },
        { max_tokens: 50, temperature: 1, drop_params: true },
      ],
      [{ tags: ['t'], caching: true, cache: { ttl: 1 }, user: 'u', n: undefined }, { seed: 1 }],
      [{}, { model: 'configured', top_p: 0.5 }],
    ];
    for (const [request, defaults] of cases) {
      const body = upstreamBody(request, defaults, 'provider-model');
      const expected = spreadThenTrim(request, defaults, 'provider-model');
      assert.deepEqual(Object.keys(body), Object.keys(expected));
      assert.deepEqual(body, expected);
      assert.equal(JSON.stringify(body), JSON.stringify(expected));
      for (const field of GATEWAY_ONLY_FIELDS) assert.equal(field in body, false, field);
    }
  });

  it('never turns a __proto__ key into the prototype of the body', () => {
    const request = JSON.parse('{"model":"m","__proto__":{"polluted":true}}') as object;
    const body = upstreamBody(request, {}, 'provider-model');
    assert.equal(Object.getPrototypeOf(body), Object.prototype);
    assert.equal((body as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.keys(body), ['model']);
  });
});
