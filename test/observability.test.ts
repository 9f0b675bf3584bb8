/**
 * What operators see: /model/info without secrets, Prometheus metrics per model group and
 * deployment, and logs that carry request ids but never a key.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const UPSTREAM_KEY = 'sk-upstream-secret-9876';

describe('observability', () => {
  let upstream: Simulator;
  let gateway: TestGateway;
  let logs = '';

  before(async () => {
    upstream = await startOpenAiSimulator({ apiKey: UPSTREAM_KEY });
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    gateway = await startGateway(
      {
        model_list: [
          {
            model_name: 'gpt-4o-mini',
            litellm_params: {
              model: 'openai/gpt-4o-mini',
              api_base: `${upstream.url}/v1`,
              api_key: UPSTREAM_KEY,
              rpm: 100,
              input_cost_per_token: 0.000001,
            },
            model_info: { id: 'dep-1', access_groups: ['beta'], base_model: 'gpt-4o-mini' },
          },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { logStream },
    );
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  const call = (body: unknown, key = MASTER_KEY) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('describes deployments in /model/info without their api_key', async () => {
    const response = await fetch(`${gateway.url}/model/info`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.ok(!text.includes(UPSTREAM_KEY), 'the upstream key never leaves the gateway');
    const { data } = JSON.parse(text) as {
      data: {
        model_name: string;
        litellm_params: Record<string, unknown>;
        model_info: Record<string, unknown>;
      }[];
    };
    assert.equal(data.length, 1);
    assert.equal(data[0]?.model_name, 'gpt-4o-mini');
    assert.equal(data[0]?.litellm_params.model, 'openai/gpt-4o-mini');
    assert.equal(data[0]?.litellm_params.rpm, 100);
    assert.equal(data[0]?.model_info.id, 'dep-1');
    assert.deepEqual(data[0]?.model_info.access_groups, ['beta']);
    assert.equal(data[0]?.model_info.input_cost_per_token, 0.000001);
    const byId = await fetch(`${gateway.url}/v1/model/info?litellm_model_id=nope`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    assert.deepEqual(((await byId.json()) as { data: unknown[] }).data, []);
    assert.equal((await fetch(`${gateway.url}/model/info`)).status, 401);
  });

  it('counts requests, tokens, latency and failures per model group and deployment', async () => {
    assert.equal(
      (await call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one two three' }] }))
        .status,
      200,
    );
    upstream.fail({ kind: 'status', status: 500 });
    assert.equal(
      (await call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).status,
      500,
    );
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(
      metrics,
      /litellm_proxy_total_requests_metric\{model="gpt-4o-mini",route="\/v1\/chat\/completions",status_code="200"\} 1/,
    );
    assert.match(
      metrics,
      /litellm_proxy_failed_requests_metric\{model="gpt-4o-mini",route="\/v1\/chat\/completions",exception_class="500",status_code="500"\} 1/,
    );
    assert.match(metrics, /litellm_input_tokens_metric\{model="gpt-4o-mini",model_id="dep-1"\} 3/);
    assert.match(
      metrics,
      /litellm_deployment_success_responses\{model="gpt-4o-mini",model_id="dep-1",api_provider="openai"\} 1/,
    );
    assert.match(
      metrics,
      /litellm_deployment_failure_responses\{model="gpt-4o-mini",model_id="dep-1",api_provider="openai",exception_class="server"\} 1/,
    );
    assert.match(
      metrics,
      /litellm_request_total_latency_metric_bucket\{le="[0-9.]+",model="gpt-4o-mini",route="\/v1\/chat\/completions"\}/,
    );
    assert.match(
      metrics,
      /litellm_llm_api_latency_metric_count\{model="gpt-4o-mini",model_id="dep-1",api_provider="openai"\} 1/,
    );
  });

  it('logs with request ids and never writes a key', async () => {
    await call(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      'sk-not-the-master-key-5555',
    );
    await call({ model: 'unknown-model', messages: [{ role: 'user', content: 'hi' }] });
    upstream.fail({ kind: 'status', status: 401 });
    await call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(logs.length > 0, 'something was logged');
    for (const secret of [MASTER_KEY, UPSTREAM_KEY, 'sk-not-the-master-key-5555']) {
      assert.ok(!logs.includes(secret), `logs must not contain ${secret.slice(0, 6)}…`);
    }
    const lines = logs
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { reqId?: string; status?: number });
    assert.ok(
      lines.some((l) => l.reqId && l.status === 400),
      'request lines carry the request id',
    );
  });
});

describe('metric labels', () => {
  it('never turn a client-chosen model name into a new series', async () => {
    const gateway = await startGateway({
      model_list: [{ model_name: 'mock-a', litellm_params: { model: 'mock/a' } }],
      general_settings: { master_key: MASTER_KEY },
    });
    try {
      for (const model of ['made-up-1', 'made-up-2', 'mock-a']) {
        await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
        });
      }
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.doesNotMatch(metrics, /made-up/);
      assert.match(
        metrics,
        /litellm_proxy_total_requests_metric\{model="unknown"[^}]*status_code="400"\} 2/,
      );
      assert.match(
        metrics,
        /litellm_proxy_total_requests_metric\{model="mock-a"[^}]*status_code="200"\} 1/,
      );
    } finally {
      await gateway.close();
    }
  });
});

describe('stream metrics', () => {
  it('records time to first chunk, and a stream that dies mid-way as a failure only', async () => {
    const upstream = await startOpenAiSimulator();
    const gateway = await startGateway({
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1` },
          model_info: { id: 'dep-s' },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    try {
      const stream = (content: string) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            stream: true,
            messages: [{ role: 'user', content }],
          }),
        }).then((r) => r.text());
      assert.match(await stream('fine'), /\[DONE\]/);
      upstream.fail({ kind: 'truncate' });
      const cut = await stream('a longer answer, cut short');
      assert.match(cut, /"error"/);
      assert.match(cut, /OpenAIException/, 'the provider is named as LiteLLM names it');
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.match(
        metrics,
        /litellm_llm_api_time_to_first_token_metric_count\{model="gpt-4o-mini",model_id="dep-s",api_provider="openai"\} 2/,
      );
      assert.match(
        metrics,
        /litellm_deployment_success_responses\{model="gpt-4o-mini",model_id="dep-s",api_provider="openai"\} 1/,
      );
      assert.match(
        metrics,
        /litellm_deployment_failure_responses\{[^}]*model_id="dep-s"[^}]*exception_class="connection"\} 1/,
      );
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
