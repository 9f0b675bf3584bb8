/**
 * Token counts before a call, with the official SDKs: the Anthropic SDK's
 * `messages.countTokens` on `/v1/messages/count_tokens` (Anthropic's own count for an Anthropic
 * model, the gateway tokenizer's for any other) and the openai SDK's
 * `responses.inputTokens.count` on `/v1/responses/input_tokens`. Counting is free: nothing is
 * booked, no budget is needed; the key must still be allowed the model.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { countChatPromptTokens } from '../src/spend/token-count.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { startAnthropicSimulator } from './simulators/anthropic-simulator.js';
import { countSimTokens } from './simulators/openai-simulator.js';

const anthropicUpstream = await startAnthropicSimulator({ apiKey: 'sk-ant-upstream' });

const CONFIG = {
  model_list: [
    {
      model_name: 'claude-native',
      litellm_params: {
        model: 'anthropic/claude-sim-1',
        api_base: anthropicUpstream.url,
        api_key: 'sk-ant-upstream',
      },
    },
    {
      model_name: 'mock-gpt',
      litellm_params: { model: 'mock/mock-gpt', input_cost_per_token: 0.001 },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('token counts', () => {
  const fixture = gatewayOnSqlite(CONFIG);
  after(() => anthropicUpstream.close());
  const anthropic = (key = MASTER_KEY) =>
    new Anthropic({ apiKey: key, baseURL: fixture.gateway.url, maxRetries: 0 });
  const openai = (key = MASTER_KEY) =>
    new OpenAI({ apiKey: key, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });

  it('asks Anthropic for the count of an Anthropic model, with only the fields it takes', async () => {
    anthropicUpstream.reset();
    const counted = await anthropic().messages.countTokens({
      model: 'claude-native',
      system: 'You are terse',
      messages: [{ role: 'user', content: 'how many tokens is this' }],
      tools: [TOOL],
    });
    assert.deepEqual(counted, {
      input_tokens: countSimTokens('You are terse how many tokens is this get_weather'),
    });
    const sent = anthropicUpstream.requests.at(-1);
    assert.equal(sent?.path, '/v1/messages/count_tokens');
    assert.equal(sent?.headers['x-api-key'], 'sk-ant-upstream');
    assert.deepEqual(Object.keys(sent?.body as object).sort(), [
      'messages',
      'model',
      'system',
      'tools',
    ]);
    assert.equal((sent?.body as { model: string }).model, 'claude-sim-1');
  });

  it('counts with the gateway tokenizer for other models, and when Anthropic cannot count', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse' },
      { role: 'user' as const, content: 'how many tokens is this' },
    ];
    const expected = await countChatPromptTokens(messages);
    const local = await anthropic().messages.countTokens({
      model: 'mock-gpt',
      system: 'You are terse',
      messages: [{ role: 'user', content: 'how many tokens is this' }],
    });
    assert.deepEqual(local, { input_tokens: expected });

    anthropicUpstream.fail({ kind: 'status', status: 500 });
    const fallback = await anthropic().messages.countTokens({
      model: 'claude-native',
      system: 'You are terse',
      messages: [{ role: 'user', content: 'how many tokens is this' }],
    });
    assert.deepEqual(fallback, { input_tokens: expected });
    anthropicUpstream.reset();
  });

  it('counts a Responses API input with responses.inputTokens.count', async () => {
    const counted = await openai().responses.inputTokens.count({
      model: 'mock-gpt',
      instructions: 'You are terse',
      input: 'how many tokens is this',
    });
    assert.equal(counted.object, 'response.input_tokens');
    assert.equal(
      counted.input_tokens,
      await countChatPromptTokens([
        { role: 'system', content: 'You are terse' },
        { role: 'user', content: 'how many tokens is this' },
      ]),
    );
  });

  it('is free for keys without budget left, and still holds keys to their models', async () => {
    const spent = await fixture.api.post('/key/generate', {
      models: ['claude-native', 'mock-gpt'],
      max_budget: 0,
    });
    const key = spent.body.key as string;
    const counted = await anthropic(key).messages.countTokens({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.ok(counted.input_tokens > 0);
    // The chat route refuses the same key: counting is not a call.
    await assert.rejects(
      anthropic(key).messages.create({
        model: 'mock-gpt',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      /Budget has been exceeded/,
    );
    await fixture.gateway.app.ledger?.flush();
    const logs = await fixture.api.get(`/spend/logs?api_key=${spent.body.token as string}`);
    const rows = Array.isArray(logs.body) ? logs.body : logs.body.data;
    assert.deepEqual(rows, [], 'nothing booked for a count');

    const other = await fixture.api.post('/key/generate', { models: ['claude-native'] });
    const error = await anthropic(other.body.key as string)
      .messages.countTokens({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof Anthropic.AuthenticationError, String(error));
    const openaiError = await openai(other.body.key as string)
      .responses.inputTokens.count({ model: 'mock-gpt', input: 'hi' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(openaiError instanceof OpenAI.AuthenticationError, String(openaiError));
  });

  it("refuses a body without messages in Anthropic's error shape", async () => {
    const response = await fetch(`${fixture.gateway.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-native' }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { type: string; error: { message: string } };
    assert.equal(body.type, 'error');
    assert.match(body.error.message, /messages/);
  });
});
