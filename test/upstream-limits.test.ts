/**
 * `litellm_remaining_requests_metric` and `litellm_remaining_tokens_metric`: a provider's own
 * remaining rate limit, from the `x-ratelimit-remaining-*` headers of its answers, per deployment,
 * through a real gateway with the official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

describe("the provider's remaining rate limit in /metrics", () => {
  let upstream: Simulator;
  let gateway: TestGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startOpenAiSimulator({
      apiKey: 'sk-up',
      responseHeaders: {
        'x-ratelimit-remaining-requests': '4999',
        'x-ratelimit-remaining-tokens': '159000',
      },
    });
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${upstream.url}/v1`,
            api_key: 'sk-up',
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const gauge = async (name: string): Promise<number | undefined> => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`${name}{`) && l.includes('model_group="gpt-4o-mini"'));
    if (line === undefined) return undefined;
    assert.match(line, /api_provider="openai"/);
    assert.match(line, new RegExp(`api_base="${upstream.url}/v1"`));
    assert.match(line, /litellm_model_name="openai\/gpt-4o-mini"/);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('shows what the last answer reported, for calls and streams', async () => {
    assert.equal(await gauge('litellm_remaining_requests_metric'), undefined);
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(await gauge('litellm_remaining_requests_metric'), 4999);
    assert.equal(await gauge('litellm_remaining_tokens_metric'), 159000);

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const chunk of stream) void chunk;
    assert.equal(await gauge('litellm_remaining_requests_metric'), 4999);
  });

  it('goes to 0 when the provider refuses for its limit', async () => {
    upstream.fail({
      kind: 'status',
      status: 429,
      headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-remaining-tokens': '0' },
    });
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && error.status === 429,
    );
    assert.equal(await gauge('litellm_remaining_requests_metric'), 0);
    assert.equal(await gauge('litellm_remaining_tokens_metric'), 0);
  });
});
