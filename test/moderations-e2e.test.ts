/**
 * `POST /v1/moderations` with the official openai SDK (`client.moderations.create`): passed to an
 * OpenAI deployment and answered as OpenAI answers, with or without a model in the request,
 * booked at no cost as call type `amoderation`, within the key's models; providers without a
 * moderation endpoint are a 400 that says where moderations go.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const upstream = await startOpenAiSimulator({ apiKey: 'sk-openai-upstream' });

const CONFIG = {
  model_list: [
    {
      model_name: 'chat-mock',
      litellm_params: { model: 'mock/chat-mock' },
    },
    {
      model_name: 'content-filter',
      litellm_params: {
        model: 'openai/omni-moderation-latest',
        api_base: `${upstream.url}/v1`,
        api_key: 'sk-openai-upstream',
      },
      model_info: { mode: 'moderation' },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

describe('moderations', () => {
  const fixture = gatewayOnSqlite(CONFIG);
  after(() => upstream.close());
  const client = (key = MASTER_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

  it("classifies text through the OpenAI deployment and answers with OpenAI's result", async () => {
    upstream.reset();
    const { data, response } = await client()
      .moderations.create({ model: 'content-filter', input: 'I will kill the stuck process' })
      .withResponse();
    assert.equal(data.results.length, 1);
    assert.equal(data.results[0]?.flagged, true);
    assert.equal(data.results[0]?.categories.violence, true);
    assert.equal(data.results[0]?.categories.harassment, false);
    assert.ok((data.results[0]?.category_scores.violence ?? 0) > 0.5);
    assert.match(data.id, /^modr-/);
    assert.equal(response.headers.get('x-litellm-model-group'), 'content-filter');
    assert.equal(response.headers.get('x-litellm-response-cost'), '0');
    const sent = upstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/moderations');
    assert.equal(sent?.headers.authorization, 'Bearer sk-openai-upstream');
    assert.deepEqual(sent?.body, {
      model: 'omni-moderation-latest',
      input: 'I will kill the stuck process',
    });
  });

  it('uses the moderation model of model_list when the request names none', async () => {
    upstream.reset();
    const data = await client().moderations.create({ input: ['hello there', 'kill it'] });
    assert.deepEqual(
      data.results.map((r) => r.flagged),
      [false, true],
    );
    assert.equal(
      (upstream.requests.at(-1)?.body as { model: string }).model,
      'omni-moderation-latest',
    );
  });

  it('takes text and image parts as one input (omni-moderation)', async () => {
    const data = await client().moderations.create({
      model: 'content-filter',
      input: [
        { type: 'text', text: 'a cat on a mat' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    });
    assert.equal(data.results.length, 1);
    assert.equal(data.results[0]?.flagged, false);
  });

  it('books the call at no cost as amoderation in the spend log', async () => {
    const { response } = await client()
      .moderations.create({ model: 'content-filter', input: 'log me' })
      .withResponse();
    const callId = response.headers.get('x-litellm-call-id');
    await fixture.gateway.app.ledger?.flush();
    const logs = await fixture.api.get(`/spend/logs?request_id=${callId}`);
    const rows = (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
      call_type: string;
      spend: number;
      model_group: string;
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.call_type, 'amoderation');
    assert.equal(rows[0]?.spend, 0);
    assert.equal(rows[0]?.model_group, 'content-filter');
  });

  it('checks moderation deployments in /health with a moderation call', async () => {
    upstream.reset();
    const health = await fixture.api.get('/health?model=content-filter');
    assert.equal(health.body.healthy_count, 1, JSON.stringify(health.body));
    assert.equal(upstream.requests.at(-1)?.path, '/v1/moderations');
  });

  it('holds a key to its models, with or without a model in the request', async () => {
    const made = await fixture.api.post('/key/generate', { models: ['chat-mock'] });
    const key = made.body.key as string;
    await assert.rejects(
      client(key).moderations.create({ model: 'content-filter', input: 'hi' }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 401,
    );
    await assert.rejects(
      client(key).moderations.create({ input: 'hi' }),
      (e: unknown) =>
        e instanceof OpenAI.APIError && e.status === 400 && /no model you may use/.test(e.message),
    );
  });

  it('refuses a model whose provider has no moderation endpoint, and a request without input', async () => {
    await assert.rejects(
      client().moderations.create({ model: 'chat-mock', input: 'hi' }),
      (e: unknown) =>
        e instanceof OpenAI.APIError &&
        e.status === 400 &&
        /no moderation endpoint/.test(e.message),
    );
    const missing = await fetch(`${fixture.gateway.url}/v1/moderations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'content-filter' }),
    });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /input/);
  });
});
