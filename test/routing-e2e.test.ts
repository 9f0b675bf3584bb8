/**
 * Routing strategies that depend on live state, end to end: least-busy counts a stream as busy
 * until it ends, not just until its first chunk.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

describe('least-busy routing', () => {
  let gateway: TestGateway;

  before(async () => {
    const mock = (id: string) => ({
      model_name: 'busy',
      litellm_params: { model: 'mock/busy', mock_chunk_delay_ms: 40 },
      model_info: { id },
    });
    gateway = await startGateway({
      model_list: [mock('busy-a'), mock('busy-b')],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { routing_strategy: 'least-busy' },
    });
  });
  after(() => gateway.close());

  const open = () =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({
        model: 'busy',
        stream: true,
        messages: [{ role: 'user', content: 'a b c d e f g h' }],
      }),
    });

  it('sends a new request to the deployment that is not streaming', async () => {
    for (let round = 0; round < 5; round++) {
      const first = await open();
      const firstId = first.headers.get('x-litellm-model-id');
      // The first stream is still running (chunks are 40 ms apart): the next call goes elsewhere.
      const second = await open();
      const secondId = second.headers.get('x-litellm-model-id');
      assert.notEqual(secondId, firstId);
      await Promise.all([first.text(), second.text()]);
    }
  });
});
