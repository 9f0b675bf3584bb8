/**
 * A non-streaming answer from an OpenAI-compatible upstream reaches the client exactly as the
 * upstream wrote it: vendor fields, number precision and formatting included (a parse and a
 * re-serialisation would round integers past 2^53 and drop the formatting). Answers the gateway
 * changes on the way (base64 embeddings) are still changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startSimulator, type Simulator } from './simulators/simulator-server.js';

const CHAT_TEXT = `{
  "id": "chatcmpl-raw",
  "object": "chat.completion",
  "created": 1700000000,
  "model": "vendor-model-2025",
  "seed": 12345678901234567890,
  "x_vendor": {"route": "eu-1", "score": 0.1000000000000000055511151231257827},
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "h\\u00e9llo"}, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
}`;

const EMBEDDING_TEXT = JSON.stringify({
  object: 'list',
  model: 'vendor-embed',
  data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25, 1] }],
  usage: { prompt_tokens: 1, total_tokens: 1 },
});

describe('answers forwarded as the upstream wrote them', () => {
  let upstream: Simulator;
  let gateway: TestGateway;

  before(async () => {
    upstream = await startSimulator(({ req, res }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.path.endsWith('/embeddings') ? EMBEDDING_TEXT : CHAT_TEXT);
    });
    const litellm_params = (model: string) => ({
      model: `openai/${model}`,
      api_base: `${upstream.url}/v1`,
      api_key: 'sk-upstream',
      input_cost_per_token: 0.001,
      output_cost_per_token: 0.002,
    });
    gateway = await startGateway({
      model_list: [
        { model_name: 'raw-chat', litellm_params: litellm_params('vendor-model') },
        { model_name: 'raw-embed', litellm_params: litellm_params('vendor-embed') },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('a chat completion arrives byte for byte, with the gateway headers and its cost', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'raw-chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), CHAT_TEXT);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('x-litellm-model-group'), 'raw-chat');
    assert.equal(Number(res.headers.get('x-litellm-response-cost')), 3 * 0.001 + 2 * 0.002);
  });

  it('the OpenAI SDK reads it as usual', async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'raw-chat',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(answer.choices[0]?.message.content, 'héllo');
    assert.equal(answer.usage?.total_tokens, 5);
  });

  it('embeddings asked for as floats come as sent; as base64 they are encoded', async () => {
    const call = (encoding_format?: string) =>
      fetch(`${gateway.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'raw-embed', input: 'x', encoding_format }),
      });
    assert.equal(await (await call()).text(), EMBEDDING_TEXT);
    const encoded = (await (await call('base64')).json()) as {
      data: { embedding: unknown }[];
    };
    const vector = Buffer.from(encoded.data[0]?.embedding as string, 'base64');
    assert.deepEqual([...new Float32Array(vector.buffer, vector.byteOffset, 3)], [0.5, -0.25, 1]);
  });
});
