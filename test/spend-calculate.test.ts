/**
 * `POST /spend/calculate`, as LiteLLM serves it: the cost of a prompt (`{model, messages}`) or of
 * a response's usage (`{completion_response}`) at the gateway's own prices, without a call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countChatPromptTokens } from '../src/spend/token-count.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const INPUT_PRICE = 0.0001;
const OUTPUT_PRICE = 0.0002;

const CONFIG = {
  model_list: [
    {
      model_name: 'priced',
      litellm_params: {
        model: 'mock/priced-v1',
        input_cost_per_token: INPUT_PRICE,
        output_cost_per_token: OUTPUT_PRICE,
      },
    },
    { model_name: 'other', litellm_params: { model: 'mock/other' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const MESSAGES = [
  { role: 'system', content: 'You answer in one word.' },
  { role: 'user', content: 'What is the capital of France?' },
];

describe('/spend/calculate', () => {
  let gateway: TestGateway;
  let api: AdminClient;

  before(async () => {
    gateway = await startGateway(CONFIG);
    api = adminClient(gateway.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
  });

  it("prices a prompt's tokens at the model's input price", async () => {
    const r = await api.post('/spend/calculate', { model: 'priced', messages: MESSAGES });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const tokens = await countChatPromptTokens(MESSAGES);
    assert.ok(tokens > 10);
    assert.ok(Math.abs(r.body.cost - tokens * INPUT_PRICE) < 1e-12, JSON.stringify(r.body));
  });

  it('prices a completion_response as the call itself was billed', async () => {
    const call = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'priced', messages: MESSAGES }),
    });
    assert.equal(call.status, 200);
    const billed = Number(call.headers.get('x-litellm-response-cost'));
    const completion = (await call.json()) as Record<string, unknown>;
    assert.ok(billed > 0);
    // The response names the provider's model; the gateway knows which deployment that is.
    const r = await api.post('/spend/calculate', { completion_response: completion });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(Math.abs(r.body.cost - billed) < 1e-12, `${r.body.cost} != ${billed}`);
    const named = await api.post('/spend/calculate', {
      model: 'priced',
      completion_response: { usage: { prompt_tokens: 10, completion_tokens: 5 } },
    });
    assert.ok(Math.abs(named.body.cost - (10 * INPUT_PRICE + 5 * OUTPUT_PRICE)) < 1e-12);
  });

  it('answers bad requests with LiteLLM messages, unknown models with a 400, strangers with a 401', async () => {
    const noMessages = await api.post('/spend/calculate', { model: 'priced' });
    assert.equal(noMessages.status, 400);
    assert.match(
      noMessages.body.error.message,
      /Bad Request - messages must be provided if 'model' is provided/,
    );
    assert.equal((await api.post('/spend/calculate', {})).status, 400);
    const unknown = await api.post('/spend/calculate', { model: 'nope', messages: MESSAGES });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Invalid model name passed in model=nope/);
    const malformed = await api.post('/spend/calculate', { model: 'priced', messages: 'hi' });
    assert.equal(malformed.status, 400);
    assert.match(JSON.stringify(malformed.body), /messages/, 'the field is named');
    const anonymous = await fetch(`${gateway.url}/spend/calculate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'priced', messages: MESSAGES }),
    });
    assert.equal(anonymous.status, 401);
  });
});
