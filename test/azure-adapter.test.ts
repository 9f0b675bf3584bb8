/**
 * The Azure adapter against the Azure simulator over real HTTP: URLs, api-key, Azure's stream
 * extras, tools, embeddings and every error class.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import type { Deployment } from '../src/contracts/deployment.js';
import { createAzureAdapter } from '../src/providers/azure/azure-adapter.js';
import { ProviderError } from '../src/providers/types.js';
import { adapterClient } from './helpers/call-adapter.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { AZURE_SIM_CHAT_MODEL, startAzureSimulator } from './simulators/azure-simulator.js';
import { simulatedAnswer } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const adapter = createAzureAdapter();
const client = adapterClient(adapter);
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};
const ask = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
const isKind = (kind: ProviderError['kind']) => (error: unknown) =>
  error instanceof ProviderError && error.kind === kind;

describe('Azure adapter against the Azure simulator', () => {
  let sim: Simulator;
  let d: Deployment;

  before(async () => {
    sim = await startAzureSimulator({
      apiKey: 'az-key',
      deployments: ['gpt4o-prod', 'embed-prod'],
    });
    d = testDeployment('azure', 'gpt4o-prod', {
      apiBase: sim.url,
      apiKey: 'az-key',
      apiVersion: '2024-10-21',
    });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers a chat completion and passes Azure’s filter annotations through', async () => {
    const completion = await client.call(adapter.chat, ask('hello azure'), testContext(d));
    assert.equal(completion.choices[0]?.message.content, simulatedAnswer('hello azure'));
    assert.equal(completion.model, AZURE_SIM_CHAT_MODEL);
    assert.ok(Array.isArray(completion.prompt_filter_results));
    assert.ok((completion.usage?.total_tokens ?? 0) > 0);
    const sent = sim.requests[0];
    assert.equal(sent?.path, '/openai/deployments/gpt4o-prod/chat/completions');
    assert.equal(sent?.query.get('api-version'), '2024-10-21');
    assert.equal(sent?.headers['api-key'], 'az-key');
    assert.equal(sent?.headers.authorization, undefined);
  });

  it('streams chunks without the filter-only chunk, with every delta present and one usage chunk', async () => {
    const chunks = await client.stream(adapter.chat, ask('stream please'), testContext(d));
    assert.ok(
      chunks.every((c) => c.id === 'chatcmpl-azsim1'),
      'no empty-id filter chunk',
    );
    assert.ok(chunks.every((c) => c.choices.every((choice) => typeof choice.delta === 'object')));
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, simulatedAnswer('stream please'));
    const usageChunks = chunks.filter((c) => c.choices.length === 0);
    assert.equal(usageChunks.length, 1);
    assert.ok((usageChunks[0]?.usage?.total_tokens ?? 0) > 0);
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual((sim.requests[0]?.body as { stream_options?: unknown }).stream_options, {
      include_usage: true,
    });
  });

  it('streams on an old API version without stream_options (and so without usage)', async () => {
    const old = { ...d, apiVersion: '2024-02-01' };
    const chunks = await client.stream(adapter.chat, ask('old version'), testContext(old));
    assert.equal((sim.requests[0]?.body as { stream_options?: unknown }).stream_options, undefined);
    assert.equal(chunks.filter((c) => c.choices.length === 0).length, 0);
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  });

  it('calls tools, streaming and not', async () => {
    const withTools = { ...ask('please use a tool'), tools: [weatherTool] };
    const completion = await client.call(adapter.chat, withTools, testContext(d));
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(completion.choices[0]?.message.tool_calls?.[0]?.function.name, 'get_weather');
    const chunks = await client.stream(adapter.chat, withTools, testContext(d));
    const call = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0];
    assert.equal(call?.function?.name, 'get_weather');
    assert.equal(call?.function?.arguments, '{"city":"Paris"}');
    assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls'));
  });

  it('runs legacy completions, streaming and not', async () => {
    const text = await client.call(
      adapter.completion!,
      { model: 'x', prompt: 'say hi' },
      testContext(d),
    );
    assert.equal(text.choices[0]?.text, simulatedAnswer('say hi'));
    const chunks = await client.stream(
      adapter.completion!,
      { model: 'x', prompt: 'say hi' },
      testContext(d),
    );
    assert.equal(chunks.map((c) => c.choices[0]?.text ?? '').join(''), simulatedAnswer('say hi'));
    assert.equal(sim.requests[1]?.path, '/openai/deployments/gpt4o-prod/completions');
  });

  it('embeds through the embeddings deployment', async () => {
    const embedder = { ...d, model: 'embed-prod' };
    const list = await client.call(
      adapter.embedding!,
      { model: 'x', input: ['a', 'bb'] },
      testContext(embedder),
    );
    assert.equal(list.data.length, 2);
    assert.equal(list.usage.prompt_tokens, 2);
    assert.equal(sim.requests[0]?.path, '/openai/deployments/embed-prod/embeddings');
  });

  it('classifies a wrong api-key as auth', async () => {
    const wrong = { ...d, apiKey: 'nope' };
    await assert.rejects(
      client.call(adapter.chat, ask('hi'), testContext(wrong)),
      (error: unknown) => {
        assert.ok(isKind('auth')(error));
        assert.match((error as ProviderError).message, /Access denied/);
        return true;
      },
    );
  });

  it('classifies an unknown deployment as not_found', async () => {
    const missing = { ...d, model: 'gpt5-nowhere' };
    await assert.rejects(
      client.call(adapter.chat, ask('hi'), testContext(missing)),
      isKind('not_found'),
    );
  });

  it('classifies 429 as rate_limit with the retry-after delay', async () => {
    sim.fail({ kind: 'status', status: 429, headers: { 'retry-after': '6' } });
    await assert.rejects(client.call(adapter.chat, ask('hi'), testContext(d)), (error: unknown) => {
      assert.ok(isKind('rate_limit')(error));
      assert.equal((error as ProviderError).details.retryAfterMs, 6000);
      return true;
    });
  });

  it('classifies 500 as server and a content-filter refusal as content_policy', async () => {
    sim.fail({ kind: 'status', status: 500 });
    await assert.rejects(client.call(adapter.chat, ask('hi'), testContext(d)), isKind('server'));
    await assert.rejects(
      client.call(adapter.chat, ask('please trigger content filter'), testContext(d)),
      isKind('content_policy'),
    );
  });

  it('detects a truncated stream and a garbage body', async () => {
    sim.fail({ kind: 'truncate' });
    await assert.rejects(
      client.stream(adapter.chat, ask('cut me'), testContext(d)),
      isKind('connection'),
    );
    sim.fail({ kind: 'garbage' });
    await assert.rejects(
      client.call(adapter.chat, ask('hi'), testContext(d)),
      isKind('bad_response'),
    );
  });

  it('the simulator refuses requests without api-version like Azure', async () => {
    const response = await request(`${sim.url}/openai/deployments/gpt4o-prod/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'az-key', 'content-type': 'application/json' },
      body: JSON.stringify(ask('hi')),
    });
    const text = await response.body.text();
    assert.equal(response.statusCode, 400);
    assert.equal(adapter.parseError(400, text, {}).kind, 'bad_request');
    assert.match(text, /MissingApiVersionParameter/);
  });
});
