import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorKind } from '../types.js';
import { fromGeminiEmbedResponse, toGeminiEmbedRequest } from './gemini-embedding.js';
import { parseGeminiError } from './gemini-errors.js';

const googleError = (code: number, status: string, message: string, details?: unknown[]) =>
  JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } });

test('Google error statuses are classified', () => {
  const cases: [number, string, string, ErrorKind][] = [
    [400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', 'bad_request'],
    [
      400,
      'INVALID_ARGUMENT',
      'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
      'context_window',
    ],
    [403, 'PERMISSION_DENIED', 'The caller does not have permission', 'permission'],
    [404, 'NOT_FOUND', 'models/nope is not found for API version v1beta', 'not_found'],
    [500, 'INTERNAL', 'An internal error has occurred.', 'server'],
    [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', 'server'],
  ];
  for (const [status, name, message, kind] of cases) {
    const error = parseGeminiError(status, googleError(status, name, message), {});
    assert.equal(error.kind, kind, message);
    assert.equal(error.message, message);
    assert.equal(error.details.type, name);
    assert.equal(error.details.status, status);
  }
});

test('a 429 about quota is a rate limit that carries RetryInfo as retryAfterMs', () => {
  const error = parseGeminiError(
    429,
    googleError(
      429,
      'RESOURCE_EXHAUSTED',
      'You exceeded your current quota, please check your plan and billing details.',
      [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' }],
    ),
    {},
  );
  assert.equal(error.kind, 'rate_limit');
  assert.equal(error.details.retryAfterMs, 20_000);
  const withHeader = parseGeminiError(429, googleError(429, 'RESOURCE_EXHAUSTED', 'slow down'), {
    'retry-after': '3',
  });
  assert.equal(withHeader.details.retryAfterMs, 3000);
});

test('an invalid API key is an auth failure even though Google answers 400', () => {
  const error = parseGeminiError(
    400,
    googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
    ]),
    {},
  );
  assert.equal(error.kind, 'auth');
});

test('array-wrapped and non-JSON error bodies are read too', () => {
  const wrapped = parseGeminiError(404, `[${googleError(404, 'NOT_FOUND', 'gone')}]`, {});
  assert.deepEqual([wrapped.kind, wrapped.message], ['not_found', 'gone']);
  const html = parseGeminiError(502, '<html>Bad Gateway</html>', {});
  assert.deepEqual([html.kind, html.message], ['server', '<html>Bad Gateway</html>']);
});

test('embeddings go out as one batch and come back as an OpenAI list without usage', () => {
  assert.deepEqual(
    JSON.parse(
      toGeminiEmbedRequest({ model: 'e', input: ['a', 'b'], dimensions: 8 }, 'text-embedding-004'),
    ),
    {
      requests: [
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 8,
        },
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'b' }] },
          outputDimensionality: 8,
        },
      ],
    },
  );
  assert.throws(() => toGeminiEmbedRequest({ model: 'e', input: [1, 2] }, 'm'), /text input/);
  assert.deepEqual(
    fromGeminiEmbedResponse(
      '{"embeddings":[{"values":[0.5,1]},{"values":[2]}]}',
      'text-embedding-004',
    ),
    {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, 1] },
        { object: 'embedding', index: 1, embedding: [2] },
      ],
      model: 'text-embedding-004',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    },
  );
  assert.throws(() => fromGeminiEmbedResponse('{"nope":1}', 'm'), /unexpected shape/);
});
