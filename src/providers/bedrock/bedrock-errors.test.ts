import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorKind } from '../types.js';
import { parseBedrockError } from './bedrock-errors.js';

const CORAL = 'http://internal.amazon.com/coral/com.amazon.bedrock/';

test('Bedrock exceptions are classified by x-amzn-errortype and status', () => {
  const cases: [number, string, string, ErrorKind][] = [
    [
      429,
      'ThrottlingException',
      'Too many requests, please wait before trying again.',
      'rate_limit',
    ],
    [
      400,
      'ValidationException',
      'Malformed input request, please reformat your input and try again.',
      'bad_request',
    ],
    [400, 'ValidationException', 'Input is too long for requested model.', 'context_window'],
    [
      400,
      'ValidationException',
      'prompt is too long: 210000 tokens > 200000 maximum',
      'context_window',
    ],
    [
      403,
      'AccessDeniedException',
      "You don't have access to the model with the specified model ID.",
      'permission',
    ],
    [
      403,
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
      'auth',
    ],
    [
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match',
      'auth',
    ],
    [404, 'ResourceNotFoundException', 'Could not resolve the foundation model', 'not_found'],
    [408, 'ModelTimeoutException', 'Model has timed out in processing the request.', 'timeout'],
    [424, 'ModelErrorException', 'The model encountered an error.', 'server'],
    [500, 'InternalServerException', 'The server encountered an internal error.', 'server'],
    [503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.', 'server'],
    [400, 'ServiceQuotaExceededException', 'Your request exceeds the service quota.', 'quota'],
  ];
  for (const [status, type, message, kind] of cases) {
    const error = parseBedrockError(status, JSON.stringify({ message }), {
      'x-amzn-errortype': `${type}:${CORAL}`,
    });
    assert.deepEqual(
      [error.kind, error.message, error.details.type, error.details.status],
      [kind, message, type, status],
    );
  }
});

test('capitalised Message, missing headers and non-JSON bodies are still read', () => {
  const upper = parseBedrockError(403, '{"Message":"User is not authorized"}', {});
  assert.deepEqual(
    [upper.kind, upper.message, upper.details.type],
    ['permission', 'User is not authorized', undefined],
  );
  const text = parseBedrockError(502, 'Bad Gateway', {});
  assert.deepEqual([text.kind, text.message], ['server', 'Bad Gateway']);
  const retry = parseBedrockError(429, '{"message":"slow"}', { 'retry-after': '2' });
  assert.equal(retry.details.retryAfterMs, 2000);
});
