/**
 * Clients that go away: mid-request and mid-stream. The upstream call is aborted (the simulator
 * sees its connection close before the answer is complete), a stream cut by the client pays for
 * the prompt and the text it got, and the call's reservation is released at once: a key allowed
 * one request at a time can call again straight after.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { countChatPromptTokens, countTextTokens } from '../src/spend/token-count.js';
import type { AdminClient } from './helpers/admin-client.js';
import type { TestGateway } from './helpers/gateway.js';
import { startPricedGateway, type PricedGateway } from './helpers/money-ledger.js';
import {
  startSimulator,
  type RecordedRequest,
  type Simulator,
} from './simulators/simulator-server.js';

const INPUT_PRICE = 0.001;
const OUTPUT_PRICE = 0.002;
const MESSAGES = [{ role: 'user', content: 'please answer slowly' }];
/** What the upstream streams before it goes silent until the gateway hangs up. */
const STREAMED = ['Half ', 'an ', 'answer '];

/**
 * An OpenAI-compatible upstream that never finishes: a stream sends its first words and then
 * nothing, a plain call gets no answer at all, until the caller closes the connection.
 */
function startHangingUpstream(): Promise<Simulator> {
  return startSimulator(async ({ req, res }) => {
    const closed = new Promise((resolve) => res.on('close', resolve));
    if ((req.body as { stream?: boolean } | undefined)?.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: Record<string, unknown>) =>
        `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'slow', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
      res.write(chunk({ role: 'assistant', content: '' }));
      for (const word of STREAMED) res.write(chunk({ content: word }));
    }
    await closed;
  });
}

/** Resolves once `check` holds; the test's own timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(10);
}

describe('clients that disconnect', () => {
  let upstream: Simulator;
  let priced: PricedGateway;
  let gateway: TestGateway;
  let api: AdminClient;

  before(async () => {
    upstream = await startHangingUpstream();
    priced = await startPricedGateway('slow', upstream.url, {
      input: INPUT_PRICE,
      output: OUTPUT_PRICE,
    });
    ({ gateway, api } = priced);
  });
  after(async () => {
    await priced?.close();
    await upstream?.close();
  });

  async function oneAtATimeKey(): Promise<string> {
    const created = await api.post('/key/generate', { max_parallel_requests: 1 });
    assert.equal(created.status, 200);
    return created.body.key as string;
  }

  const spendOf = (key: string) => priced.spendOf(key);

  const chat = (key: string, stream: boolean, signal?: AbortSignal) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', messages: MESSAGES, stream }),
      signal,
    });

  /** The upstream request `send` makes, once the upstream has it; fails if it never gets one. */
  async function upstreamRequestOf<T>(
    send: () => Promise<T>,
  ): Promise<[Promise<T>, RecordedRequest]> {
    const seen = upstream.requests.length;
    let answered: { value: T } | undefined;
    const sent = send();
    void sent.then((value) => (answered = { value }));
    await until(() => upstream.requests.length > seen || answered !== undefined);
    const request = upstream.requests[seen];
    const status = answered?.value instanceof Response ? answered.value.status : answered?.value;
    assert.ok(request, `the call was answered without reaching the upstream: ${String(status)}`);
    return [sent, request];
  }

  it('aborts the upstream call of a client gone mid-request, and frees its slot', async () => {
    const key = await oneAtATimeKey();
    const client = new AbortController();
    const [pending, call] = await upstreamRequestOf(() =>
      chat(key, false, client.signal).catch((e: unknown) => e),
    );
    client.abort();
    assert.ok((await pending) instanceof Error, 'the client gave up');
    await until(() => call.abortedByClient);
    // The slot is free again: the next call is admitted (and reaches the upstream).
    const next = new AbortController();
    const [second, secondCall] = await upstreamRequestOf(() =>
      chat(key, false, next.signal).catch((e: unknown) => e),
    );
    next.abort();
    await second;
    await until(() => secondCall.abortedByClient);
  });

  it('aborts the upstream stream of a client gone mid-stream, bills what it got, frees its slot', async () => {
    const key = await oneAtATimeKey();
    const client = new AbortController();
    const [sent, call] = await upstreamRequestOf(() => chat(key, true, client.signal));
    const response = await sent;
    assert.equal(response.status, 200);
    // Read until every word the upstream sent has arrived, then hang up.
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    while (!received.includes(STREAMED.at(-1) ?? '')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream stays open');
      received += new TextDecoder().decode(value);
    }
    client.abort();
    await until(() => call.abortedByClient);

    const prompt = (await countChatPromptTokens(MESSAGES)) * INPUT_PRICE;
    const expected = prompt + (await countTextTokens(STREAMED.join(''))) * OUTPUT_PRICE;
    let spend = await spendOf(key);
    // The ledger books once the gateway has seen the cut; wait for it, not for a time.
    while (spend === 0) {
      await sleep(10);
      spend = await spendOf(key);
    }
    assert.ok(
      Math.abs(spend - expected) < 1e-12,
      `paid ${spend}; the prompt and the text sent cost ${expected}`,
    );

    // The slot is free again: the next call is admitted (and reaches the upstream).
    const next = new AbortController();
    const [second, secondCall] = await upstreamRequestOf(() => chat(key, true, next.signal));
    assert.equal((await second).status, 200);
    next.abort();
    await until(() => secondCall.abortedByClient);
  });
});
