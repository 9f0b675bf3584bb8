/**
 * /model/info shows the prices and limits Tollgate bills each deployment at, with LiteLLM's field
 * names, and flags a model with no known price.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

interface ModelInfoEntry {
  model_name: string;
  model_info: Record<string, unknown>;
}

describe('/model/info prices', () => {
  let gateway: TestGateway;
  let logs = '';

  before(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    gateway = await startGateway(
      {
        model_list: [
          { model_name: 'unpriced', litellm_params: { model: 'mock/house-model' } },
          {
            model_name: 'priced-mock',
            litellm_params: {
              model: 'mock/house-model',
              input_cost_per_token: 0.000001,
              output_cost_per_token: 0.000002,
              cache_read_input_token_cost: 0.0000001,
            },
            model_info: { id: 'priced', max_output_tokens: 4096 },
          },
          {
            model_name: 'azure-chat',
            litellm_params: {
              model: 'azure/prod-east-chat',
              api_base: 'https://example.openai.azure.com',
              api_key: 'azure-key',
              api_version: '2024-06-01',
            },
            model_info: { base_model: 'azure/gpt-4o' },
          },
          {
            model_name: 'gemini-pro',
            litellm_params: { model: 'gemini/gemini-2.5-pro', api_key: 'g' },
          },
          { model_name: 'openai/*', litellm_params: { model: 'openai/*', api_key: 'o' } },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { logStream },
    );
  });
  after(() => gateway.close());

  async function modelInfo(): Promise<Map<string, Record<string, unknown>>> {
    const response = await fetch(`${gateway.url}/model/info`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    assert.equal(response.status, 200);
    const { data } = (await response.json()) as { data: ModelInfoEntry[] };
    return new Map(data.map((entry) => [entry.model_name, entry.model_info]));
  }

  it('an unpriced model has null prices, price_known false, and one warning in the log', async () => {
    const info = (await modelInfo()).get('unpriced');
    assert.equal(info?.input_cost_per_token, null);
    assert.equal(info?.output_cost_per_token, null);
    assert.equal(info?.price_known, false);
    await modelInfo();
    const warnings = logs.split('\n').filter((line) => line.includes('no price known'));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /mock\/house-model/);
  });

  it('config prices and limits are shown as configured', async () => {
    const info = (await modelInfo()).get('priced-mock');
    assert.equal(info?.input_cost_per_token, 0.000001);
    assert.equal(info?.output_cost_per_token, 0.000002);
    assert.equal(info?.cache_read_input_token_cost, 0.0000001);
    assert.equal(info?.cache_creation_input_token_cost, 0.000001);
    assert.equal(info?.max_output_tokens, 4096);
    assert.equal(info?.max_tokens, 4096);
    assert.equal(info?.price_known, true);
  });

  it('an Azure deployment is priced by its base_model, with the table’s context window', async () => {
    const info = (await modelInfo()).get('azure-chat');
    assert.equal(info?.price_known, true);
    assert.ok(typeof info?.input_cost_per_token === 'number' && info.input_cost_per_token > 0);
    assert.ok(typeof info?.output_cost_per_token === 'number' && info.output_cost_per_token > 0);
    assert.equal(info?.max_input_tokens, 128_000);
    assert.equal(info?.max_output_tokens, null);
  });

  it('long-context prices under LiteLLM’s names', async () => {
    const info = (await modelInfo()).get('gemini-pro');
    const base = info?.input_cost_per_token;
    const above = info?.input_cost_per_token_above_200k_tokens;
    assert.ok(typeof base === 'number' && typeof above === 'number' && above > base);
    assert.equal(typeof info?.output_cost_per_token_above_200k_tokens, 'number');
  });

  it('a wildcard deployment is not flagged: its price depends on the model asked for', async () => {
    const info = (await modelInfo()).get('openai/*');
    assert.equal(info?.price_known, undefined);
    assert.ok(!logs.includes('"model":"openai/*"'));
  });
});
