import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProviderError } from '../types.js';
import { parseOpenAiError } from './openai-errors.js';

const openAiBody = (message: string, type = 'invalid_request_error', code: string | null = null) =>
  JSON.stringify({ error: { message, type, param: null, code } });

describe('parseOpenAiError', () => {
  test('takes message and type from an OpenAI error body', () => {
    const e = parseOpenAiError(429, openAiBody('Rate limit reached for gpt-4o', 'requests'), {});
    assert.ok(e instanceof ProviderError);
    assert.equal(e.kind, 'rate_limit');
    assert.equal(e.message, 'Rate limit reached for gpt-4o');
    assert.equal(e.details.type, 'requests');
    assert.equal(e.details.status, 429);
    assert.equal(e.details.retryAfterMs, undefined);
  });

  test('a text body is the message; an empty one names the status', () => {
    assert.equal(parseOpenAiError(502, 'Bad Gateway\n', {}).message, 'Bad Gateway');
    assert.equal(parseOpenAiError(503, '', {}).message, 'HTTP 503');
    assert.equal(parseOpenAiError(500, '<html>oops</html>', {}).kind, 'server');
  });

  test('reads the other shapes OpenAI-compatible servers use', () => {
    assert.equal(parseOpenAiError(400, '{"error":"bad input"}', {}).message, 'bad input');
    assert.equal(
      parseOpenAiError(422, '{"detail":"field required"}', {}).message,
      'field required',
    );
    assert.equal(parseOpenAiError(404, '{"message":"no such model"}', {}).message, 'no such model');
  });

  test('retry-after seconds and retry-after-ms become retryAfterMs; ms wins', () => {
    assert.equal(parseOpenAiError(429, '', { 'retry-after': '2' }).details.retryAfterMs, 2_000);
    assert.equal(parseOpenAiError(429, '', { 'retry-after': '0.5' }).details.retryAfterMs, 500);
    assert.equal(parseOpenAiError(429, '', { 'retry-after-ms': '150' }).details.retryAfterMs, 150);
    assert.equal(
      parseOpenAiError(429, '', { 'retry-after': '20', 'retry-after-ms': '150' }).details
        .retryAfterMs,
      150,
    );
    assert.equal(
      parseOpenAiError(429, '', { 'retry-after': 'soon' }).details.retryAfterMs,
      undefined,
    );
  });

  test('retry-after as an HTTP date is the time until then', () => {
    const when = new Date(Date.now() + 30_000).toUTCString();
    const ms = parseOpenAiError(503, '', { 'retry-after': when }).details.retryAfterMs ?? -1;
    assert.ok(ms > 25_000 && ms <= 30_000, String(ms));
  });

  test('a context-length 400 is a context_window error, by code or by message', () => {
    const byCode = parseOpenAiError(
      400,
      openAiBody('too long', 'invalid_request_error', 'context_length_exceeded'),
      {},
    );
    assert.equal(byCode.kind, 'context_window');
    const byMessage = parseOpenAiError(
      400,
      openAiBody(
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      ),
      {},
    );
    assert.equal(byMessage.kind, 'context_window');
  });

  test('a content-policy 400 is a content_policy error, by code or by message', () => {
    const byCode = parseOpenAiError(
      400,
      openAiBody('nope', 'invalid_request_error', 'content_policy_violation'),
      {},
    );
    assert.equal(byCode.kind, 'content_policy');
    const azure = parseOpenAiError(
      400,
      openAiBody(
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
      ),
      {},
    );
    assert.equal(azure.kind, 'content_policy');
  });

  test('a plain 400 is a bad request', () => {
    assert.equal(
      parseOpenAiError(400, openAiBody('Unrecognized request argument supplied: foo'), {}).kind,
      'bad_request',
    );
  });

  test('statuses map to the router’s error kinds', () => {
    const kinds = Object.fromEntries(
      [401, 402, 403, 404, 408, 409, 500, 502, 503, 504].map((s) => [
        s,
        parseOpenAiError(s, '', {}).kind,
      ]),
    );
    assert.deepEqual(kinds, {
      401: 'auth',
      402: 'quota',
      403: 'permission',
      404: 'not_found',
      408: 'timeout',
      409: 'bad_request',
      500: 'server',
      502: 'server',
      503: 'server',
      504: 'server',
    });
  });

  test('a 429 about quota or billing is quota, not a rate limit', () => {
    const e = parseOpenAiError(
      429,
      openAiBody(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
      ),
      {},
    );
    assert.equal(e.kind, 'quota');
  });
});
