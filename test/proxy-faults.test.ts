/**
 * Bad input, timeouts, disconnects, retries, fallbacks and cooldowns, end to end over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const chat = { messages: [{ role: 'user', content: 'hi' }] };

async function post(
  gateway: TestGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${MASTER_KEY}`,
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    json: json as { error: { message: string; type: string; param: string | null; code: string } },
    text,
  };
}

describe('faults and bad input', () => {
  let primary: Simulator;
  let secondary: Simulator;
  let backup: Simulator;
  let gateway: TestGateway;

  before(async () => {
    [primary, secondary, backup] = await Promise.all([
      startOpenAiSimulator(),
      startOpenAiSimulator(),
      startOpenAiSimulator(),
    ]);
    const openai = (sim: Simulator, extra: Record<string, unknown> = {}) => ({
      model: 'openai/gpt-4o-mini',
      api_base: `${sim.url}/v1`,
      api_key: 'k',
      ...extra,
    });
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'single',
          litellm_params: openai(primary, { timeout: 0.3, stream_timeout: 0.3 }),
        },
        { model_name: 'pair', litellm_params: openai(primary), model_info: { id: 'pair-primary' } },
        {
          model_name: 'pair',
          litellm_params: openai(secondary),
          model_info: { id: 'pair-secondary' },
        },
        {
          model_name: 'retry-pair',
          litellm_params: openai(primary),
          model_info: { id: 'retry-primary' },
        },
        {
          model_name: 'retry-pair',
          litellm_params: openai(secondary),
          model_info: { id: 'retry-secondary' },
        },
        {
          model_name: 'cool-pair',
          litellm_params: openai(primary),
          model_info: { id: 'cool-primary' },
        },
        {
          model_name: 'cool-pair',
          litellm_params: openai(secondary),
          model_info: { id: 'cool-secondary' },
        },
        { model_name: 'with-fallback', litellm_params: openai(primary) },
        { model_name: 'backup', litellm_params: openai(backup) },
        { model_name: 'small-context', litellm_params: openai(primary) },
        { model_name: 'big-context', litellm_params: openai(backup) },
      ],
      general_settings: { master_key: MASTER_KEY, max_request_size_mb: 0.01 },
      router_settings: {
        num_retries: 1,
        allowed_fails: 1,
        cooldown_time: 30,
        fallbacks: [{ 'with-fallback': ['backup'] }],
        context_window_fallbacks: [{ 'small-context': ['big-context'] }],
      },
    });
  });
  after(async () => {
    await gateway.close();
    await Promise.all([primary.close(), secondary.close(), backup.close()]);
  });

  it('refuses a request without a key', async () => {
    const response = await post(
      gateway,
      '/v1/chat/completions',
      { model: 'single', ...chat },
      { authorization: '' },
    );
    assert.equal(response.status, 401);
    assert.deepEqual(response.json.error, {
      message: 'Authentication Error, No api key passed in.',
      type: 'auth_error',
      param: null,
      code: '401',
    });
  });

  it('refuses a body that is not JSON, naming the problem', async () => {
    const response = await post(gateway, '/v1/chat/completions', '{"model": ');
    assert.equal(response.status, 400);
    assert.match(response.json.error.message, /not valid JSON/);
  });

  it('names the field of a wrong type', async () => {
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'single',
      messages: 'hello',
    });
    assert.equal(response.status, 400);
    assert.equal(response.json.error.param, 'messages');
    assert.match(response.json.error.message, /messages/);
    const missing = await post(gateway, '/v1/chat/completions', { messages: chat.messages });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.param, 'model');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'single',
      messages: [{ role: 'user', content: 'x'.repeat(20_000) }],
    });
    assert.equal(response.status, 413);
    assert.match(response.json.error.message, /max_request_size_mb/);
    assert.equal(primary.requests.length, 0);
  });

  it('reads a JSON body sent without a JSON content type, as curl -d does', async () => {
    primary.reset();
    const response = await post(
      gateway,
      '/v1/chat/completions',
      { model: 'single', ...chat },
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    assert.equal(response.status, 200);
  });

  it('echoes a request id, and names the call with an id of its own', async () => {
    const response = await post(
      gateway,
      '/v1/chat/completions',
      { model: 'single', ...chat },
      { 'x-request-id': 'req-abc-123' },
    );
    assert.equal(response.headers.get('x-request-id'), 'req-abc-123');
    // The call id keys the spend log, so a client cannot choose (and repeat) it.
    assert.match(response.headers.get('x-litellm-call-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('times out a slow upstream with 408 and aborts the upstream call', async () => {
    primary.reset();
    primary.fail({ kind: 'delay', ms: 2000 }, { kind: 'delay', ms: 2000 });
    const started = Date.now();
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'single',
      ...chat,
      num_retries: 0,
    });
    assert.equal(response.status, 408);
    assert.ok(
      Date.now() - started < 1500,
      'the timeout is the deployment timeout, not the upstream delay',
    );
  });

  it('ends a stream that stalls with an error event once stream_timeout passes', async () => {
    primary.reset();
    primary.fail({ kind: 'stall', ms: 3000 });
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'single',
      ...chat,
      stream: true,
      num_retries: 0,
    });
    assert.equal(response.status, 200);
    assert.match(response.text, /data: \{"error":\{"message":"litellm\.Timeout/);
    assert.doesNotMatch(response.text, /\[DONE\]/);
  });

  it('aborts the upstream call when the client disconnects', async () => {
    primary.reset();
    secondary.reset();
    primary.fail({ kind: 'stall', ms: 1500 });
    secondary.fail({ kind: 'stall', ms: 1500 });
    const controller = new AbortController();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({ model: 'pair', ...chat, stream: true }),
      signal: controller.signal,
    }).then((r) => r.text());
    await waitFor(() => primary.requests.length + secondary.requests.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await assert.rejects(pending);
    await waitFor(() =>
      [...primary.requests, ...secondary.requests].some((r) => r.abortedByClient),
    );
    secondary.reset();
  });

  it('retries a failed call on the other deployment of the group', async () => {
    primary.reset();
    secondary.reset();
    // Whichever deployment is picked first fails; the one retry (num_retries: 1) goes to the other.
    primary.fail({ kind: 'status', status: 503 });
    secondary.fail({ kind: 'status', status: 503 });
    const failed = await post(gateway, '/v1/chat/completions', { model: 'retry-pair', ...chat });
    assert.equal(failed.status, 503);
    assert.match(failed.json.error.message, /^litellm\.ServiceUnavailableError: OpenAIException/);
    assert.equal(primary.requests.length, 1);
    assert.equal(secondary.requests.length, 1);
    // One deployment fails once: the call succeeds, after a retry if that one was picked first.
    primary.reset();
    secondary.reset();
    primary.fail({ kind: 'status', status: 500 });
    const retried = await post(gateway, '/v1/chat/completions', { model: 'retry-pair', ...chat });
    assert.equal(retried.status, 200);
    const retries = Number(retried.headers.get('x-litellm-attempted-retries'));
    assert.equal(primary.requests.length + secondary.requests.length, 1 + retries);
    assert.equal(secondary.requests.length, 1);
  });

  it('falls back to the next model group after retries', async () => {
    primary.reset();
    backup.reset();
    primary.failAlways({ kind: 'status', status: 500 });
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'with-fallback',
      ...chat,
    });
    primary.reset();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
    assert.equal(backup.requests.length, 1);
  });

  it('uses context_window_fallbacks for context window errors without retrying', async () => {
    primary.reset();
    backup.reset();
    primary.fail({
      kind: 'status',
      status: 400,
      message: "This model's maximum context length is 8192 tokens.",
      code: 'context_length_exceeded',
    });
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'small-context',
      ...chat,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-litellm-model-group'), 'big-context');
    assert.equal(primary.requests.length, 1, 'a context window error is not retried');
  });

  it('does not retry or fall back on a plain bad request', async () => {
    primary.reset();
    backup.reset();
    primary.fail({ kind: 'status', status: 400, message: 'Invalid value for temperature' });
    const response = await post(gateway, '/v1/chat/completions', {
      model: 'with-fallback',
      ...chat,
    });
    assert.equal(response.status, 400);
    assert.match(
      response.json.error.message,
      /^litellm\.BadRequestError: OpenAIException - Invalid value for temperature/,
    );
    assert.equal(primary.requests.length, 1);
    assert.equal(backup.requests.length, 0);
  });

  it('cools a rate-limited deployment down and sends traffic to the other one', async () => {
    primary.reset();
    secondary.reset();
    primary.failAlways({ kind: 'status', status: 429 });
    // Until the shuffle picks the rate-limited deployment once, every call succeeds on the other.
    for (let i = 0; i < 40 && primary.requests.length === 0; i++) {
      const response = await post(gateway, '/v1/chat/completions', { model: 'cool-pair', ...chat });
      assert.equal(response.status, 200, 'a 429 on one deployment is retried on the other');
    }
    assert.equal(primary.requests.length, 1, 'the rate-limited deployment was picked once');
    const secondaryBefore = secondary.requests.length;
    for (let i = 0; i < 6; i++) {
      const response = await post(gateway, '/v1/chat/completions', { model: 'cool-pair', ...chat });
      assert.equal(response.status, 200);
    }
    assert.equal(primary.requests.length, 1, 'no traffic reaches a deployment cooling down');
    assert.equal(secondary.requests.length, secondaryBefore + 6);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /litellm_deployment_cooled_down\{[^}]*model_id="cool-primary"[^}]*\} 1/);
    primary.reset();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
