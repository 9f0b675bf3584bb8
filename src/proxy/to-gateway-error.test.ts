import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError, toErrorBody } from '../errors/gateway-error.js';
import { ProviderError, type ErrorKind } from '../providers/types.js';
import { toGatewayError } from './to-gateway-error.js';

const ctx = { providerName: 'OpenAI', group: 'gpt-4o', fallbacks: [] as string[] };

function convert(
  kind: ErrorKind,
  details: ProviderError['details'] = {},
  message = 'upstream said no',
) {
  return toGatewayError(new ProviderError(kind, message, details), ctx);
}

describe('toGatewayError', () => {
  test('a rate limit reads as LiteLLM’s, with status 429 and a retry-after header', () => {
    const e = toGatewayError(
      new ProviderError('rate_limit', 'Rate limit reached for gpt-4o', {
        status: 429,
        type: 'requests',
        retryAfterMs: 1_500,
      }),
      ctx,
    );
    assert.equal(e.status, 429);
    assert.deepEqual(e.headers, { 'retry-after': '2' });
    assert.deepEqual(toErrorBody(e), {
      error: {
        message:
          'litellm.RateLimitError: OpenAIException - Rate limit reached for gpt-4o. Received Model Group=gpt-4o\nAvailable Model Group Fallbacks=None',
        type: 'requests',
        param: null,
        code: '429',
      },
    });
  });

  test('lists the fallbacks that were available', () => {
    const e = toGatewayError(new ProviderError('server', 'boom', { status: 500 }), {
      ...ctx,
      fallbacks: ['gpt-4o-mini', 'claude'],
    });
    assert.match(e.message, /\nAvailable Model Group Fallbacks=\['gpt-4o-mini', 'claude'\]$/);
  });

  test('names the provider the failure came from', () => {
    const e = toGatewayError(new ProviderError('auth', 'invalid x-api-key', { status: 401 }), {
      ...ctx,
      providerName: 'Anthropic',
    });
    assert.match(
      e.message,
      /^litellm\.AuthenticationError: AnthropicException - invalid x-api-key\./,
    );
  });

  test('status, code, type and exception name per kind', () => {
    const cases: [ErrorKind, number | undefined, number, string, string][] = [
      ['bad_request', 400, 400, 'invalid_request_error', 'BadRequestError'],
      ['auth', 401, 401, 'authentication_error', 'AuthenticationError'],
      ['permission', undefined, 403, 'auth_error', 'PermissionDeniedError'],
      ['not_found', 404, 404, 'not_found_error', 'NotFoundError'],
      ['rate_limit', undefined, 429, 'throttling_error', 'RateLimitError'],
      ['quota', 429, 429, 'throttling_error', 'RateLimitError'],
      ['timeout', undefined, 408, 'timeout', 'Timeout'],
      ['context_window', 400, 400, 'invalid_request_error', 'ContextWindowExceededError'],
      ['content_policy', 400, 400, 'invalid_request_error', 'ContentPolicyViolationError'],
      ['server', 500, 500, 'api_error', 'InternalServerError'],
      ['server', 502, 502, 'api_error', 'InternalServerError'],
      ['server', 503, 503, 'api_error', 'ServiceUnavailableError'],
      ['connection', undefined, 500, 'api_connection_error', 'APIConnectionError'],
      ['bad_response', 200, 502, 'api_error', 'APIError'],
    ];
    for (const [kind, upstream, status, type, exception] of cases) {
      const e = convert(kind, { status: upstream });
      const label = `${kind}/${upstream}`;
      assert.equal(e.status, status, label);
      assert.equal(e.type, type, label);
      assert.equal(toErrorBody(e).error.code, String(status), label);
      assert.ok(
        e.message.startsWith(`litellm.${exception}: OpenAIException - `),
        `${label}: ${e.message}`,
      );
    }
  });

  test('a server error with a non-5xx status, or none, is a 500', () => {
    assert.equal(convert('server', { status: 200 }).status, 500);
    assert.equal(convert('server').status, 500);
  });

  test('timeouts and rate limits keep their status whatever the upstream said', () => {
    assert.equal(convert('timeout', { status: 504 }).status, 408);
    assert.equal(convert('rate_limit', { status: 503 }).status, 429);
  });

  test('retry-after is whole seconds, at least 1', () => {
    assert.equal(convert('rate_limit', { retryAfterMs: 0 }).headers['retry-after'], '1');
    assert.equal(convert('rate_limit', { retryAfterMs: 2_000 }).headers['retry-after'], '2');
    assert.equal(convert('rate_limit', { retryAfterMs: 2_001 }).headers['retry-after'], '3');
    assert.equal(convert('server', { status: 500 }).headers['retry-after'], undefined);
  });

  test('keeps the provider error as the cause', () => {
    const cause = new ProviderError('server', 'x', { status: 500 });
    assert.equal(toGatewayError(cause, ctx).cause, cause);
  });

  test('a GatewayError passes through unchanged', () => {
    const original = new GatewayError('no_healthy_deployment', 'No deployments available');
    assert.equal(toGatewayError(original, ctx), original);
  });

  test('anything else is a 500 that does not leak its message', () => {
    const e = toGatewayError(new TypeError('cannot read x of undefined'), ctx);
    assert.equal(e.status, 500);
    assert.equal(e.message, 'Internal server error');
  });
});
