/**
 * Streams are billed even when the upstream never reports their usage: an OpenAI-compatible
 * server that ignores `stream_options.include_usage`, or a stream cut off half-way. The prompt
 * and the text that did stream are counted with the tokenizer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { countChatPromptTokens, countTextTokens } from '../src/spend/token-count.js';
import type { AdminClient } from './helpers/admin-client.js';
import type { TestGateway } from './helpers/gateway.js';
import { startPricedGateway, type PricedGateway } from './helpers/money-ledger.js';
import { simulatedAnswer, startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const INPUT_PRICE = 0.001;
const OUTPUT_PRICE = 0.002;
const MESSAGES = [{ role: 'user' as const, content: 'count my tokens please' }];

describe('streams without a usage report', () => {
  let upstream: Simulator;
  let priced: PricedGateway;
  let api: AdminClient;
  let gateway: TestGateway;

  before(async () => {
    upstream = await startOpenAiSimulator({ ignoreStreamUsage: true });
    priced = await startPricedGateway('self-hosted', upstream.url, {
      input: INPUT_PRICE,
      output: OUTPUT_PRICE,
    });
    ({ gateway, api } = priced);
  });
  after(async () => {
    await priced?.close();
    await upstream?.close();
  });

  const spendOf = (key: string) => priced.spendOf(key);

  async function newKey(): Promise<string> {
    const r = await api.post('/key/generate', {});
    return r.body.key as string;
  }

  it('counts the prompt and the streamed answer when the upstream sends no usage', async () => {
    const key = await newKey();
    const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await sdk.chat.completions.create({
      model: 'self-hosted',
      messages: MESSAGES,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, simulatedAnswer('count my tokens please'));
    const expected =
      (await countChatPromptTokens(MESSAGES)) * INPUT_PRICE +
      (await countTextTokens(text)) * OUTPUT_PRICE;
    const spend = await spendOf(key);
    assert.ok(Math.abs(spend - expected) < 1e-9, `${spend} != ${expected}`);
  });

  it('bills a stream cut off half-way for what it used, and ends it with an error', async () => {
    const key = await newKey();
    const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.fail({ kind: 'truncate' });
    let text = '';
    const failure = await (async () => {
      const stream = await sdk.chat.completions.create({
        model: 'self-hosted',
        messages: MESSAGES,
        stream: true,
      });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(failure instanceof Error, 'the client sees the stream fail');
    const full = simulatedAnswer('count my tokens please');
    assert.ok(text.length < full.length, 'only part of the answer arrived');
    const prompt = (await countChatPromptTokens(MESSAGES)) * INPUT_PRICE;
    const spend = await spendOf(key);
    assert.ok(spend >= prompt - 1e-12, `the prompt is paid: ${spend} < ${prompt}`);
    assert.ok(spend < prompt + (await countTextTokens(full)) * OUTPUT_PRICE, 'not the full answer');
  });

  it('counts a prompt of one 300,000-letter word without holding up other calls', async () => {
    // Counted whole, such a word took the tokenizer minutes on the thread that serves requests.
    const key = await newKey();
    const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const prompt = 'a'.repeat(300_000);
    const messages = [{ role: 'user' as const, content: prompt }];
    const stream = await sdk.chat.completions.create({
      model: 'self-hosted',
      messages,
      stream: true,
    });
    for await (const chunk of stream) void chunk;
    // The stream is over; its prompt is being counted. Another call is answered meanwhile.
    const otherSdk = new OpenAI({
      apiKey: await newKey(),
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    const started = performance.now();
    const other = await otherSdk.chat.completions.create({
      model: 'self-hosted',
      messages: MESSAGES,
    });
    assert.ok(other.choices[0]?.message.content);
    const waited = performance.now() - started;
    assert.ok(waited < 1_000, `the other call waited ${waited.toFixed(0)} ms`);
    // Billed for the prompt and for the answer (which repeats the prompt): a run of "a"s is one
    // token per 8 letters.
    const expected =
      (await countChatPromptTokens(messages)) * INPUT_PRICE +
      (await countTextTokens(simulatedAnswer(prompt))) * OUTPUT_PRICE;
    assert.ok(expected > (300_000 / 8) * INPUT_PRICE, `${expected}`);
    let spend = 0;
    for (let i = 0; i < 100 && spend < expected - 1e-9; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      spend = await spendOf(key);
    }
    assert.ok(Math.abs(spend - expected) < 1e-9, `${spend} != ${expected}`);
  });
});
