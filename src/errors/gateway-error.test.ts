import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ERROR_CODES, GatewayError, asGatewayError, toErrorBody } from './gateway-error.js';

describe('toErrorBody', () => {
  test('is LiteLLM’s {"error":{"message","type","param","code"}} with code as a string', () => {
    const body = toErrorBody(new GatewayError('rate_limit', 'slow down'));
    assert.deepEqual(body, {
      error: { message: 'slow down', type: 'throttling_error', param: null, code: '429' },
    });
    assert.equal(
      JSON.stringify(body),
      '{"error":{"message":"slow down","type":"throttling_error","param":null,"code":"429"}}',
    );
  });

  test('carries param, and an overridden status and type', () => {
    const e = new GatewayError('upstream_error', 'busy', {
      status: 503,
      type: 'overloaded',
      param: 'model',
    });
    assert.equal(e.status, 503);
    assert.deepEqual(toErrorBody(e).error, {
      message: 'busy',
      type: 'overloaded',
      param: 'model',
      code: '503',
    });
  });

  test("carries what else the client is told as LiteLLM's provider_specific_fields", () => {
    const e = new GatewayError('guardrail_blocked', 'Content blocked: email pattern detected', {
      details: { pattern: 'email', guardrail_name: 'pii' },
    });
    assert.deepEqual(toErrorBody(e).error, {
      message: 'Content blocked: email pattern detected',
      type: 'invalid_request_error',
      param: null,
      code: '400',
      provider_specific_fields: { pattern: 'email', guardrail_name: 'pii' },
    });
  });
});

describe('the code table', () => {
  test('statuses per code', () => {
    const statuses = Object.fromEntries(
      Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.status]),
    );
    assert.deepEqual(statuses, {
      no_api_key: 401,
      invalid_api_key: 401,
      token_not_found_in_db: 401,
      expired_key: 401,
      key_blocked: 401,
      team_blocked: 401,
      key_model_access_denied: 401,
      team_model_access_denied: 401,
      user_model_access_denied: 401,
      organization_model_access_denied: 401,
      route_not_allowed_for_role: 401,
      forbidden: 403,
      no_db_connection: 400,
      db_not_connected: 500,
      bad_request: 400,
      invalid_model: 400,
      unsupported_operation: 400,
      context_window_exceeded: 400,
      content_policy_violation: 400,
      guardrail_blocked: 400,
      validation_error: 422,
      not_found: 404,
      key_not_found: 404,
      conflict: 409,
      team_member_already_in_team: 400,
      customer_exists: 400,
      customer_not_found: 404,
      admin_only: 401,
      payload_too_large: 413,
      timeout: 408,
      rate_limit: 429,
      budget_exceeded: 429,
      no_healthy_deployment: 429,
      upstream_error: 500,
      upstream_auth_error: 401,
      upstream_connection_error: 500,
      service_unavailable: 503,
      internal_server_error: 500,
    });
  });

  test('a GatewayError takes its status and type from its code, and headers default to none', () => {
    const e = new GatewayError('invalid_model', 'no such model');
    assert.equal(e.status, 400);
    assert.equal(e.type, 'invalid_request_error');
    assert.equal(e.param, null);
    assert.deepEqual(e.headers, {});
    assert.equal(e.name, 'GatewayError');
    assert.ok(e instanceof Error);
  });
});

describe('asGatewayError', () => {
  test('keeps a GatewayError as it is', () => {
    const e = new GatewayError('forbidden', 'no');
    assert.equal(asGatewayError(e), e);
  });

  test('turns anything else into a 500 that does not leak internals', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const e = asGatewayError(secret);
    assert.equal(e.status, 500);
    assert.equal(e.cause, secret);
    assert.deepEqual(toErrorBody(e), {
      error: {
        message: 'Internal server error',
        type: 'internal_server_error',
        param: null,
        code: '500',
      },
    });
    assert.equal(asGatewayError('a string').status, 500);
  });
});
