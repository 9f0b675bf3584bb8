/** The Bedrock adapter against the Bedrock simulator, over real HTTP with real SigV4 signatures. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ChatCompletionChunk, ChatRequest } from '../src/contracts/openai.js';
import { createBedrockAdapter } from '../src/providers/bedrock/bedrock-adapter.js';
import { ProviderError, type ErrorKind } from '../src/providers/types.js';
import { adapterClient } from './helpers/call-adapter.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { startBedrockSimulator, type BedrockSimulator } from './simulators/bedrock-simulator.js';

const CLAUDE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const IDENTITY = {
  accessKeyId: 'AKIDSIMULATOR',
  secretAccessKey: 'sim/secret+KEY',
  region: 'us-west-2',
};
const adapter = createBedrockAdapter();
const client = adapterClient(adapter);
let sim: BedrockSimulator;

before(async () => {
  sim = await startBedrockSimulator({
    ...IDENTITY,
    models: [CLAUDE, 'amazon.titan-embed-text-v2:0', 'cohere.embed-english-v3'],
  });
});
after(() => sim.close());
beforeEach(() => sim.reset());

const ctx = (model = CLAUDE, connection: Record<string, unknown> = {}) =>
  testContext(
    testDeployment('bedrock', model, {
      apiBase: sim.url,
      connection: {
        aws_access_key_id: IDENTITY.accessKeyId,
        aws_secret_access_key: IDENTITY.secretAccessKey,
        aws_region_name: IDENTITY.region,
        ...connection,
      },
    }),
  );
const chat = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude',
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
    const completion = await client.call(
      adapter.chat,
      chat('hello there', { max_tokens: 100 }),
      ctx(),
    );
    assert.equal(
      completion.choices[0]?.message.content,
      'Hello from the simulator! You said: hello there',
    );
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.model, CLAUDE);
    assert.deepEqual(completion.usage, {
      prompt_tokens: 2,
      completion_tokens: 8,
      total_tokens: 10,
    });
    const sent = sim.requests[0];
    assert.equal(sent?.path, '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    assert.deepEqual(sent?.body, {
      messages: [{ role: 'user', content: [{ text: 'hello there' }] }],
      system: [{ text: 'Be nice.' }],
      inferenceConfig: { maxTokens: 100 },
    });
  });

  it('streams binary event-stream frames as role, text deltas, finish and usage', async () => {
    const chunks = await client.stream(adapter.chat, chat('stream me'), ctx());
    assert.equal(
      sim.requests[0]?.path,
      '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream',
    );
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(text(chunks), 'Hello from the simulator! You said: stream me');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: 2,
      completion_tokens: 8,
      total_tokens: 10,
    });
  });

  it('reports max_tokens as length', async () => {
    const completion = await client.call(adapter.chat, chat('hi', { max_tokens: 2 }), ctx());
    assert.equal(completion.choices[0]?.finish_reason, 'length');
  });

  it('calls a tool, streamed and not, and sends a valid tool round trip', async () => {
    const request = chat('please use a tool', { tools: [WEATHER_TOOL] });
    const completion = await client.call(adapter.chat, request, ctx());
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.deepEqual(call, {
      id: 'tooluse_sim1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    const chunks = await client.stream(adapter.chat, request, ctx());
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.equal(deltas[0]?.function?.name, 'get_weather');
    assert.equal(deltas.map((d) => d.function?.arguments ?? '').join(''), '{"city":"Paris"}');
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'tool_calls');
    const followUp = await client.call(
      adapter.chat,
      {
        model: 'claude',
        tools: [WEATHER_TOOL],
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: '', tool_calls: [{ ...call }] },
          { role: 'tool', tool_call_id: 'tooluse_sim1', content: 'sunny' },
        ],
      },
      ctx(),
    );
    assert.equal(followUp.choices[0]?.finish_reason, 'stop');
  });
});

describe('embeddings', () => {
  it('embeds one text with Titan', async () => {
    const result = await client.call(
      adapter.embedding!,
      { model: 'e', input: 'hello world' },
      ctx('amazon.titan-embed-text-v2:0'),
    );
    assert.deepEqual(result.data, [
      { object: 'embedding', index: 0, embedding: [0.1, 0.2, -0.3, 0.11] },
    ]);
    assert.deepEqual(result.usage, { prompt_tokens: 2, total_tokens: 2 });
    assert.equal(sim.requests[0]?.path, '/model/amazon.titan-embed-text-v2%3A0/invoke');
  });

  it('embeds several texts with Cohere and refuses several for Titan', async () => {
    const result = await client.call(
      adapter.embedding!,
      { model: 'e', input: ['a', 'b'] },
      ctx('cohere.embed-english-v3'),
    );
    assert.equal(result.data.length, 2);
    await assert.rejects(
      client.call(
        adapter.embedding!,
        { model: 'e', input: ['a', 'b'] },
        ctx('amazon.titan-embed-text-v2:0'),
      ),
      fails('bad_request'),
    );
  });
});

describe('signing', () => {
  it('is rejected with a wrong secret, an unknown key or a missing session token', async () => {
    await assert.rejects(
      client.call(adapter.chat, chat('hi'), ctx(CLAUDE, { aws_secret_access_key: 'wrong' })),
      fails('auth', (e) => assert.equal(e.details.type, 'InvalidSignatureException')),
    );
    await assert.rejects(
      client.call(adapter.chat, chat('hi'), ctx(CLAUDE, { aws_access_key_id: 'AKIDOTHER' })),
      fails('auth', (e) => assert.equal(e.details.type, 'UnrecognizedClientException')),
    );
    await assert.rejects(
      client.call(adapter.chat, chat('hi'), ctx(CLAUDE, { aws_region_name: 'eu-west-1' })),
      fails('auth', (e) => assert.equal(e.details.type, 'InvalidSignatureException')),
    );
    const temporary = await startBedrockSimulator({ ...IDENTITY, sessionToken: 'session-1' });
    try {
      const deployment = (token?: string) =>
        testContext(
          testDeployment('bedrock', CLAUDE, {
            apiBase: temporary.url,
            connection: {
              aws_access_key_id: IDENTITY.accessKeyId,
              aws_secret_access_key: IDENTITY.secretAccessKey,
              aws_region_name: IDENTITY.region,
              aws_session_token: token,
            },
          }),
        );
      await assert.rejects(client.call(adapter.chat, chat('hi'), deployment()), fails('auth'));
      const ok = await client.call(adapter.chat, chat('hi'), deployment('session-1'));
      assert.equal(ok.choices[0]?.finish_reason, 'stop');
    } finally {
      await temporary.close();
    }
  });
});

describe('errors', () => {
  const cases: [number, ErrorKind, string][] = [
    [400, 'bad_request', 'ValidationException'],
    [403, 'permission', 'AccessDeniedException'],
    [404, 'not_found', 'ResourceNotFoundException'],
    [408, 'timeout', 'ModelTimeoutException'],
    [429, 'rate_limit', 'ThrottlingException'],
    [500, 'server', 'InternalServerException'],
    [503, 'server', 'ServiceUnavailableException'],
  ];
  for (const [status, kind, type] of cases) {
    it(`classifies ${status} ${type}`, async () => {
      sim.fail({ kind: 'status', status });
      await assert.rejects(
        client.call(adapter.chat, chat('hi'), ctx()),
        fails(kind, (e) => assert.deepEqual([e.details.status, e.details.type], [status, type])),
      );
    });
  }

  it('classifies an overlong input as a context window error', async () => {
    sim.fail({ kind: 'status', status: 400, message: 'Input is too long for requested model.' });
    await assert.rejects(client.call(adapter.chat, chat('hi'), ctx()), fails('context_window'));
  });

  it('classifies exceptions sent inside the stream', async () => {
    sim.failStreamWith('throttlingException', 'Too many tokens, please wait before trying again.');
    await assert.rejects(client.stream(adapter.chat, chat('hi'), ctx()), fails('rate_limit'));
    sim.failStreamWith('modelStreamErrorException', 'Model stream failed.');
    await assert.rejects(client.stream(adapter.chat, chat('hi'), ctx()), fails('server'));
  });

  it('detects a truncated or reset stream', async () => {
    sim.fail({ kind: 'truncate' });
    await assert.rejects(
      client.stream(adapter.chat, chat('one two three'), ctx()),
      fails('connection'),
    );
    sim.fail({ kind: 'reset' });
    await assert.rejects(
      client.stream(adapter.chat, chat('one two three'), ctx()),
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
