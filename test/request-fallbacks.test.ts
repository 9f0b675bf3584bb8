/**
 * LiteLLM's client-side fallbacks, with the official openai SDK: a request's own `fallbacks`
 * list (names or `{"model": ...}`), through the key's aliases and within the models it may use,
 * and `mock_testing_fallbacks`, which makes the requested model fail without calling it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { simulatedAnswer, startOpenAiSimulator } from './simulators/openai-simulator.js';

const upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });

const CONFIG = {
  model_list: [
    {
      model_name: 'primary',
      litellm_params: {
        model: 'openai/gpt-4o-mini',
        api_base: `${upstream.url}/v1`,
        api_key: 'sk-upstream',
      },
    },
    { model_name: 'backup', litellm_params: { model: 'mock/backup' } },
    { model_name: 'secret', litellm_params: { model: 'mock/secret' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const MESSAGES = [{ role: 'user' as const, content: 'hello' }];
type Params = OpenAI.ChatCompletionCreateParamsNonStreaming;

describe('client-side fallbacks', () => {
  const fixture = gatewayOnSqlite(CONFIG);
  after(() => upstream.close());
  const sdk = (key = MASTER_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
  const ask = (extra: Record<string, unknown>, key?: string) =>
    sdk(key)
      .chat.completions.create({
        model: 'primary',
        messages: MESSAGES,
        num_retries: 0,
        ...extra,
      } as Params)
      .withResponse();
  const failure = (extra: Record<string, unknown>, key?: string) =>
    ask(extra, key).then(
      () => undefined,
      (e: unknown) => e,
    );

  it("falls back to the request's own list when its model fails", async () => {
    upstream.reset();
    upstream.fail({ kind: 'status', status: 500 });
    const { data, response } = await ask({ fallbacks: ['backup'] });
    assert.equal(data.choices[0]?.message.content, 'This is a mock response to: hello');
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
    assert.equal(response.headers.get('x-litellm-attempted-fallbacks'), '1');
    assert.equal(upstream.requests.length, 1, 'the primary was tried first');

    upstream.fail({ kind: 'status', status: 500 });
    const error = await failure({});
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.match(error.message, /Available Model Group Fallbacks=None/);
  });

  it('takes {"model": ...} entries and the key\'s aliases', async () => {
    const created = await fixture.api.post('/key/generate', { aliases: { bk: 'backup' } });
    upstream.fail({ kind: 'status', status: 500 });
    const { response } = await ask({ fallbacks: [{ model: 'bk' }] }, created.body.key as string);
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
  });

  it('never falls back to a model the key may not use', async () => {
    const created = await fixture.api.post('/key/generate', { models: ['primary'] });
    upstream.fail({ kind: 'status', status: 500 });
    const error = await failure({ fallbacks: ['secret'] }, created.body.key as string);
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
  });

  it('mock_testing_fallbacks fails the requested model without calling it, and cools nothing down', async () => {
    upstream.reset();
    const { response } = await ask({ mock_testing_fallbacks: true, fallbacks: ['backup'] });
    assert.equal(response.headers.get('x-litellm-model-group'), 'backup');
    assert.equal(upstream.requests.length, 0);

    const error = await failure({ mock_testing_fallbacks: true });
    assert.ok(error instanceof OpenAI.InternalServerError, String(error));
    assert.match(
      error.message,
      /This is a mock exception for model=primary, to trigger a fallback/,
    );

    const { data } = await ask({});
    assert.equal(data.choices[0]?.message.content, simulatedAnswer('hello'));
    assert.equal(upstream.requests.length, 1, 'the primary still serves');
  });

  it('refuses a malformed list with a 400 naming the entry, holding nothing', async () => {
    // One call at a time: a refusal that kept its admission would block the next call.
    const created = await fixture.api.post('/key/generate', { max_parallel_requests: 1 });
    const key = created.body.key as string;
    for (const [fallbacks, message] of [
      ['backup', /fallbacks: must be a list/],
      [[{ model: 'backup', messages: MESSAGES }], /fallbacks\[0\]: "messages" is not supported/],
      [[42], /fallbacks\[0\]: must be a model name/],
    ] as const) {
      const error = await failure({ fallbacks }, key);
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.match(error.message, message);
    }
    upstream.reset();
    const { data } = await ask({}, key);
    assert.equal(data.choices[0]?.message.content, simulatedAnswer('hello'));
  });
});
