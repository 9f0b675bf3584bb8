/**
 * OpenAI-format streams reach the client as the upstream wrote them: the events between the
 * start and the usage report are forwarded byte for byte (not decoded and written again), the
 * usage event still prices the call and is passed on only when asked for, and `[DONE]` closes
 * the stream once. Against a raw upstream that writes chosen bytes in chosen pieces.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import type { AdminClient } from './helpers/admin-client.js';
import type { TestGateway } from './helpers/gateway.js';
import { startPricedGateway, type PricedGateway } from './helpers/money-ledger.js';

const INPUT_PRICE = 0.001;
const OUTPUT_PRICE = 0.002;

// Spacing and key order as an upstream chose them, and text in several scripts.
const CONTENT = [
  '{"id":"c9","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Grüße"},"logprobs":null,"finish_reason":null}],"usage":null}',
  '{"id":"c9", "object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" 汉字 🎉"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x1"}',
  '{"id":"c9","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}',
];
const USAGE =
  '{"id":"c9","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}';
const event = (data: string) => `data: ${data}\n\n`;
const UPSTREAM = Buffer.from(CONTENT.map(event).join('') + event(USAGE) + event('[DONE]'));
const COST = 11 * INPUT_PRICE + 4 * OUTPUT_PRICE;

/** Where the upstream cuts its answer: one write, or pieces split inside a character. */
let pieces: number[] = [];

async function startRawUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let at = 0;
      for (const end of [...pieces, UPSTREAM.length]) {
        res.write(UPSTREAM.subarray(at, end));
        at = end;
        await sleep(15);
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('OpenAI streams forwarded as the upstream wrote them', () => {
  let upstream: { url: string; server: Server };
  let priced: PricedGateway;
  let api: AdminClient;
  let gateway: TestGateway;

  before(async () => {
    upstream = await startRawUpstream();
    priced = await startPricedGateway('wire', upstream.url, {
      input: INPUT_PRICE,
      output: OUTPUT_PRICE,
    });
    ({ gateway, api } = priced);
  });
  after(async () => {
    await priced?.close();
    upstream?.server.close();
  });

  async function streamBody(key: string, includeUsage: boolean): Promise<string> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'wire',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        ...(includeUsage && { stream_options: { include_usage: true } }),
      }),
    });
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer()).toString('utf8');
  }

  const newKey = async () => (await api.post('/key/generate', {})).body.key as string;

  // Inside "ü", between the two line ends of an event, inside "汉", inside the usage event.
  const splitInsideCharacters = () =>
    [
      UPSTREAM.indexOf('ü') + 1,
      UPSTREAM.indexOf('\n\ndata') + 1,
      UPSTREAM.indexOf('汉') + 2,
      UPSTREAM.indexOf('prompt_tokens'),
    ].sort((a, b) => a - b);

  for (const [how, cut] of [
    ['in one write', () => []],
    ['in pieces split inside characters', splitInsideCharacters],
  ] as const) {
    it(`${how}: the events reach the client exactly, the usage event when asked for`, async () => {
      pieces = cut();
      const key = await newKey();
      assert.equal(
        await streamBody(key, true),
        CONTENT.map(event).join('') + event(USAGE) + event('[DONE]'),
      );
      assert.ok(Math.abs((await priced.spendOf(key)) - COST) < 1e-12, 'priced from the usage');
      const quiet = await newKey();
      assert.equal(await streamBody(quiet, false), CONTENT.map(event).join('') + event('[DONE]'));
      assert.ok(Math.abs((await priced.spendOf(quiet)) - COST) < 1e-12, 'priced all the same');
    });
  }

  it('the OpenAI SDK reads the forwarded stream', async () => {
    pieces = splitInsideCharacters();
    const sdk = new OpenAI({ apiKey: await newKey(), baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await sdk.chat.completions.create({
      model: 'wire',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      total = chunk.usage?.total_tokens ?? total;
    }
    assert.equal(text, 'Grüße 汉字 🎉');
    assert.equal(total, 15);
  });
});
