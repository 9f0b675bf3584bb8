/**
 * `drop_params` as LiteLLM reads it: from the request, then the deployment's `litellm_params`, then
 * `litellm_settings`. A parameter the provider does not support is refused unless one of them says
 * to drop it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startAnthropicSimulator } from './simulators/anthropic-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

describe('drop_params', () => {
  let upstream: Simulator;
  let gateway: TestGateway;

  before(async () => {
    upstream = await startAnthropicSimulator({ apiKey: 'sk-ant' });
    const claude = { model: 'anthropic/claude-sim-1', api_base: upstream.url, api_key: 'sk-ant' };
    gateway = await startGateway({
      model_list: [
        { model_name: 'strict', litellm_params: claude },
        { model_name: 'lenient', litellm_params: { ...claude, drop_params: true } },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  const chat = (body: Record<string, unknown>) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'hi' }],
        presence_penalty: 0.5,
        ...body,
      }),
    });

  it('refuses an unsupported parameter by default', async () => {
    assert.equal((await chat({ model: 'strict' })).status, 400);
  });

  it('drops it when the deployment says drop_params', async () => {
    upstream.reset();
    assert.equal((await chat({ model: 'lenient' })).status, 200);
    const sent = upstream.requests[0]?.body as Record<string, unknown>;
    assert.equal(sent.presence_penalty, undefined);
    assert.equal(sent.drop_params, undefined);
  });

  it('drops it when the request says drop_params, and never sends drop_params upstream', async () => {
    upstream.reset();
    assert.equal((await chat({ model: 'strict', drop_params: true })).status, 200);
    const sent = upstream.requests[0]?.body as Record<string, unknown>;
    assert.equal(sent.drop_params, undefined);
  });
});
