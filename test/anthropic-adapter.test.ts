/** The Anthropic adapter against the Anthropic simulator, over real HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import type { Deployment } from '../src/contracts/deployment.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../src/contracts/openai.js';
import { createAnthropicAdapter } from '../src/providers/anthropic/anthropic-adapter.js';
import { ProviderError, type CallContext } from '../src/providers/types.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { startAnthropicSimulator } from './simulators/anthropic-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const adapter = createAnthropicAdapter();
let sim: Simulator;

before(async () => {
  sim = await startAnthropicSimulator({ apiKey: 'sk-ant-sim' });
});
after(() => sim.close());
beforeEach(() => sim.reset());

function context(stream: boolean, overrides: Partial<Deployment> = {}): CallContext {
  const deployment = testDeployment('anthropic', 'claude-sim-1', {
    apiBase: sim.url,
    apiKey: 'sk-ant-sim',
    ...overrides,
  });
  return testContext(deployment, stream);
}

const chat = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude',
  messages: [{ role: 'user', content }],
  ...extra,
});

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

/** What the proxy's transport does, minus retries: send, then parse or classify. */
async function send(body: ChatRequest, ctx: CallContext, bodyTimeout = 10_000) {
  const upstream = await adapter.chat.buildRequest(body, ctx);
  const res = await request(upstream.url, {
    method: 'POST',
    headers: upstream.headers,
    body: upstream.body,
    bodyTimeout,
  });
  if (res.statusCode >= 400) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
    throw adapter.parseError(res.statusCode, await res.body.text(), headers);
  }
  return res;
}

async function complete(body: ChatRequest, overrides: Partial<Deployment> = {}) {
  const res = await send(body, context(false, overrides));
  return adapter.chat.parseResponse(await res.body.text(), context(false)) as ChatCompletion;
}

async function stream(body: ChatRequest, bodyTimeout?: number): Promise<ChatCompletionChunk[]> {
  const ctx = context(true);
  const res = await send(body, ctx, bodyTimeout);
  const decoder = adapter.chat.createStreamDecoder!(ctx);
  const chunks: ChatCompletionChunk[] = [];
  for await (const bytes of res.body) chunks.push(...decoder.push(bytes).map((e) => e.chunk));
  chunks.push(...decoder.end().map((e) => e.chunk));
  return chunks;
}

const isKind = (kind: string) => (e: unknown) => e instanceof ProviderError && e.kind === kind;

describe('anthropic adapter over HTTP', () => {
  it('completes a chat and sends Anthropic headers and body', async () => {
    const completion = await complete(
      chat('hello there', {
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: 'hello there' },
        ],
      }),
    );
    assert.equal(
      completion.choices[0]?.message.content,
      'Hello from the simulator! You said: hello there',
    );
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.model, 'claude-sim-1');
    assert.deepEqual(completion.usage, {
      prompt_tokens: 4,
      completion_tokens: 8,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 0 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    const [recorded] = sim.requests;
    assert.equal(recorded?.path, '/v1/messages');
    assert.equal(recorded?.headers['x-api-key'], 'sk-ant-sim');
    assert.equal(recorded?.headers['anthropic-version'], '2023-06-01');
    assert.deepEqual(recorded?.body, {
      model: 'claude-sim-1',
      system: 'Be kind.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
      max_tokens: 4096,
    });
  });

  it('returns tool calls and a tool round trip is accepted upstream', async () => {
    const first = await complete(chat('please use a tool', { tools: [WEATHER_TOOL] }));
    const message = first.choices[0]!.message;
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(message.tool_calls, [
      {
        id: 'toolu_sim1',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    const second = await complete(
      chat('', {
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'please use a tool' },
          {
            role: 'assistant',
            content: message.content,
            tool_calls: message.tool_calls?.map((c) => ({ ...c })),
          },
          { role: 'tool', tool_call_id: 'toolu_sim1', content: '21C' },
        ],
      }),
    );
    assert.equal(second.choices[0]?.finish_reason, 'stop');
  });

  it('reports cache writes then cache reads for a cached system prompt', async () => {
    const body = chat('hi', {
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'a long shared prefix', cache_control: { type: 'ephemeral' } },
          ],
        },
        { role: 'user', content: 'hi' },
      ],
    });
    const first = await complete(body);
    const second = await complete(body);
    assert.equal(first.usage?.cache_creation_input_tokens, 4);
    assert.equal(second.usage?.cache_read_input_tokens, 4);
    assert.equal(second.usage?.prompt_tokens_details?.cached_tokens, 4);
    assert.equal(second.usage?.prompt_tokens, 5);
  });

  it('maps max_tokens and stop sequences to their finish reasons', async () => {
    assert.equal(
      (await complete(chat('hi', { max_tokens: 2 }))).choices[0]?.finish_reason,
      'length',
    );
    const stopped = await complete(chat('hi', { stop: 'simulator' }));
    assert.equal(stopped.choices[0]?.message.content, 'Hello from the ');
    assert.equal(stopped.choices[0]?.finish_reason, 'stop');
  });

  it('streams text: role first, every delta, finish, then usage', async () => {
    const chunks = await stream(chat('stream me'));
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Hello from the simulator! You said: stream me');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.equal(chunks.at(-1)?.usage?.prompt_tokens, 2);
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, 8);
    assert.equal((sim.requests[0]?.body as { stream?: boolean }).stream, true);
  });

  it('streams tool calls with their arguments', async () => {
    const chunks = await stream(chat('use a tool now', { tools: [WEATHER_TOOL] }));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(calls[0]?.id, 'toolu_sim1');
    assert.equal(calls[0]?.function?.name, 'get_weather');
    assert.equal(calls.map((c) => c.function?.arguments ?? '').join(''), '{"city": "Paris"}');
    assert.ok(calls.every((c) => c.index === 0));
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('detects truncated and reset streams, and mid-stream error events', async () => {
    sim.fail({ kind: 'truncate' });
    await assert.rejects(stream(chat('hi')), isKind('connection'));
    sim.fail({ kind: 'reset' });
    await assert.rejects(stream(chat('hi')));
    await assert.rejects(stream(chat('fail mid-stream')), (e: unknown) => isKind('server')(e));
  });

  it('gives up on a stalled stream when the body timeout passes', async () => {
    sim.fail({ kind: 'stall', ms: 2000 });
    await assert.rejects(stream(chat('hi'), 200), /timeout/i);
  });

  it('classifies garbage bodies', async () => {
    sim.fail({ kind: 'garbage' });
    await assert.rejects(complete(chat('hi')), isKind('bad_response'));
  });

  it('classifies every error status', async () => {
    const cases: [number, string, string][] = [
      [400, 'invalid_request_error', 'bad_request'],
      [401, 'authentication_error', 'auth'],
      [403, 'permission_error', 'permission'],
      [404, 'not_found_error', 'not_found'],
      [429, 'rate_limit_error', 'rate_limit'],
      [500, 'api_error', 'server'],
      [529, 'overloaded_error', 'server'],
    ];
    for (const [status, type, kind] of cases) {
      sim.fail({ kind: 'status', status });
      await assert.rejects(
        complete(chat('hi')),
        (e: unknown) =>
          e instanceof ProviderError &&
          e.kind === kind &&
          e.details.type === type &&
          e.details.status === status,
      );
    }
    sim.fail({ kind: 'status', status: 429 });
    await assert.rejects(
      complete(chat('hi')),
      (e: unknown) => e instanceof ProviderError && e.details.retryAfterMs === 20_000,
    );
    sim.fail({
      kind: 'status',
      status: 400,
      message: 'prompt is too long: 300000 tokens > 200000 maximum',
    });
    await assert.rejects(complete(chat('hi')), isKind('context_window'));
  });

  it('rejects a wrong key with authentication_error', async () => {
    await assert.rejects(
      complete(chat('hi'), { apiKey: 'wrong' }),
      (e: unknown) => isKind('auth')(e) && (e as ProviderError).message === 'invalid x-api-key',
    );
  });
});
