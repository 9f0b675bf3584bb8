/** The Gemini adapter against the Gemini simulator, over real HTTP. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ChatCompletionChunk, ChatRequest } from '../src/contracts/openai.js';
import { createGeminiAdapter } from '../src/providers/gemini/gemini-adapter.js';
import { ProviderError, type ErrorKind } from '../src/providers/types.js';
import { adapterClient } from './helpers/call-adapter.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { startGeminiSimulator } from './simulators/gemini-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const API_KEY = 'AIza-sim-key';
const adapter = createGeminiAdapter();
const client = adapterClient(adapter);
let sim: Simulator;

before(async () => {
  sim = await startGeminiSimulator({
    apiKey: API_KEY,
    models: ['gemini-2.0-flash', 'text-embedding-004'],
  });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const ctx = (model = 'gemini-2.0-flash', apiKey = API_KEY) =>
  testContext(testDeployment('gemini', model, { apiBase: sim.url, apiKey }));
const chat = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gemini',
  messages: [
    { role: 'system', content: 'Be nice.' },
    { role: 'user', content },
  ],
  ...extra,
});
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};
const fails =
  (kind: ErrorKind, check: (e: ProviderError) => void = () => {}) =>
  (e: unknown) => {
    assert.ok(e instanceof ProviderError, String(e));
    assert.equal(e.kind, kind, e.message);
    check(e);
    return true;
  };
const text = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('chat', () => {
  it('answers a non-streamed request in OpenAI format', async () => {
    const completion = await client.call(adapter.chat, chat('hello there'), ctx());
    assert.equal(
      completion.choices[0]?.message.content,
      'Hello from the simulator! You said: hello there',
    );
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.model, 'gemini-2.0-flash');
    assert.deepEqual(completion.usage, {
      prompt_tokens: 4,
      completion_tokens: 8,
      total_tokens: 12,
    });
    const sent = sim.requests[0];
    assert.equal(sent?.path, '/v1beta/models/gemini-2.0-flash:generateContent');
    assert.equal(sent?.headers['x-goog-api-key'], API_KEY);
    assert.deepEqual(sent?.body, {
      contents: [{ role: 'user', parts: [{ text: 'hello there' }] }],
      systemInstruction: { parts: [{ text: 'Be nice.' }] },
    });
  });

  it('streams role, text deltas, finish and usage', async () => {
    const chunks = await client.stream(adapter.chat, chat('stream me'), ctx());
    assert.equal(sim.requests[0]?.query.get('alt'), 'sse');
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(text(chunks), 'Hello from the simulator! You said: stream me');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: 4,
      completion_tokens: 8,
      total_tokens: 12,
    });
  });

  it('reports a max_tokens cut as length', async () => {
    const completion = await client.call(adapter.chat, chat('hi', { max_tokens: 3 }), ctx());
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.choices[0]?.message.content, 'Hello from the ');
  });

  it('calls a tool, streamed and not', async () => {
    const request = chat('please use a tool', { tools: [WEATHER_TOOL] });
    const completion = await client.call(adapter.chat, request, ctx());
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.equal(call?.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { city: 'Paris' });
    assert.match(call?.id ?? '', /^call_/);
    const chunks = await client.stream(adapter.chat, request, ctx());
    const delta = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(delta[0]?.function?.name, 'get_weather');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'tool_calls');
  });

  it('sends a tool round trip Gemini accepts', async () => {
    const completion = await client.call(
      adapter.chat,
      {
        model: 'gemini',
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            tool_calls: [
              {
                id: 'c1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        ],
      },
      ctx(),
    );
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    const sent = sim.requests[0]?.body as { contents: { parts: Record<string, unknown>[] }[] };
    assert.deepEqual(sent.contents[2]?.parts[0], {
      functionResponse: { name: 'get_weather', response: { content: 'sunny' } },
    });
  });

  it('turns a blocked prompt into a content policy error', async () => {
    await assert.rejects(
      client.call(adapter.chat, chat('trigger a block'), ctx()),
      fails('content_policy'),
    );
    await assert.rejects(
      client.stream(adapter.chat, chat('trigger a block'), ctx()),
      fails('content_policy'),
    );
  });
});

describe('embeddings', () => {
  it('embeds several inputs in one batch', async () => {
    const result = await client.call(
      adapter.embedding!,
      { model: 'e', input: ['a', 'bb'] },
      ctx('text-embedding-004'),
    );
    assert.equal(result.data.length, 2);
    assert.deepEqual(result.data[1], {
      object: 'embedding',
      index: 1,
      embedding: [0.2, 0.2, -0.3, 0.02],
    });
    assert.deepEqual(result.usage, { prompt_tokens: 0, total_tokens: 0 });
    assert.equal(sim.requests[0]?.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
  });
});

describe('errors', () => {
  const cases: [number, ErrorKind, string][] = [
    [400, 'bad_request', 'INVALID_ARGUMENT'],
    [403, 'permission', 'PERMISSION_DENIED'],
    [404, 'not_found', 'NOT_FOUND'],
    [429, 'rate_limit', 'RESOURCE_EXHAUSTED'],
    [500, 'server', 'INTERNAL'],
    [503, 'server', 'UNAVAILABLE'],
  ];
  for (const [status, kind, googleStatus] of cases) {
    it(`classifies ${status} ${googleStatus}`, async () => {
      sim.fail({ kind: 'status', status });
      await assert.rejects(
        client.call(adapter.chat, chat('hi'), ctx()),
        fails(kind, (e) => {
          assert.equal(e.details.status, status);
          assert.equal(e.details.type, googleStatus);
          if (status === 429) assert.equal(e.details.retryAfterMs, 20_000);
        }),
      );
    });
  }

  it('classifies a context window overflow', async () => {
    sim.fail({
      kind: 'status',
      status: 400,
      message:
        'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
    });
    await assert.rejects(client.call(adapter.chat, chat('hi'), ctx()), fails('context_window'));
  });

  it('rejects a wrong API key as auth and an unknown model as not found', async () => {
    await assert.rejects(
      client.call(adapter.chat, chat('hi'), ctx('gemini-2.0-flash', 'wrong')),
      fails('auth'),
    );
    await assert.rejects(
      client.call(adapter.chat, chat('hi'), ctx('gemini-9')),
      fails('not_found'),
    );
  });

  it('detects a truncated or reset stream', async () => {
    sim.fail({ kind: 'truncate' });
    await assert.rejects(
      client.stream(adapter.chat, chat('one two three four five'), ctx()),
      fails('connection'),
    );
    sim.fail({ kind: 'reset' });
    await assert.rejects(
      client.stream(adapter.chat, chat('one two three four five'), ctx()),
      fails('connection'),
    );
  });

  it('reports garbage as a bad response and a stall as a timeout', async () => {
    sim.fail({ kind: 'garbage' }, { kind: 'garbage' });
    await assert.rejects(client.call(adapter.chat, chat('hi'), ctx()), fails('bad_response'));
    await assert.rejects(client.stream(adapter.chat, chat('hi'), ctx()), fails('bad_response'));
    sim.fail({ kind: 'stall', ms: 4000 });
    await assert.rejects(
      adapterClient(adapter, { bodyTimeoutMs: 100 }).stream(adapter.chat, chat('hi'), ctx()),
      fails('timeout'),
    );
  });
});
