/**
 * `x-litellm-overhead-duration-ms`, LiteLLM's header of what the gateway itself added to a call:
 * the time from the request's arrival to the answer, less the time spent waiting on the provider.
 * A provider that takes 300 ms shows in x-litellm-response-duration-ms, not in the overhead; a
 * stream's overhead is counted when its first event leaves. The client is the official OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const LATENCY_MS = 300;

describe('x-litellm-overhead-duration-ms', () => {
  let gateway: TestGateway;
  let sdk: OpenAI;

  before(async () => {
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'slow',
          litellm_params: { model: 'mock/slow', mock_latency_ms: LATENCY_MS },
        },
        { model_name: 'fast', litellm_params: { model: 'mock/fast' } },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
  });

  const ms = (headers: Headers, name: string) => {
    const value = headers.get(name);
    assert.match(String(value), /^\d+$/, `${name} is a whole number of milliseconds`);
    return Number(value);
  };

  it("leaves the provider's time out of the gateway's overhead", async () => {
    const { response } = await sdk.chat.completions
      .create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const overhead = ms(response.headers, 'x-litellm-overhead-duration-ms');
    const duration = ms(response.headers, 'x-litellm-response-duration-ms');
    assert.ok(duration >= LATENCY_MS, `the call took ${duration} ms`);
    assert.ok(
      overhead < LATENCY_MS / 2,
      `overhead ${overhead} ms leaves the provider's 300 ms out`,
    );
  });

  it('is sent with every call, streams included', async () => {
    const { response } = await sdk.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.ok(ms(response.headers, 'x-litellm-overhead-duration-ms') >= 0);
    const { response: streamed } = await sdk.chat.completions
      .create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    assert.ok(ms(streamed.headers, 'x-litellm-overhead-duration-ms') < LATENCY_MS / 2);
  });
});
