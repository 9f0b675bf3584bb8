/**
 * The Ollama adapter (`ollama_chat/` and `ollama/`) against the Ollama simulator over real HTTP:
 * NDJSON streaming, tools, embeddings, finish reasons and every error class.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Deployment } from '../src/contracts/deployment.js';
import { createOllamaAdapter } from '../src/providers/ollama/ollama-adapter.js';
import { ProviderError } from '../src/providers/types.js';
import { adapterClient } from './helpers/call-adapter.js';
import { testContext, testDeployment } from './helpers/test-deployment.js';
import { startOllamaSimulator } from './simulators/ollama-simulator.js';
import { countSimTokens, simulatedAnswer } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const chatAdapter = createOllamaAdapter('ollama_chat');
const generateAdapter = createOllamaAdapter('ollama');
const chatClient = adapterClient(chatAdapter);
const generateClient = adapterClient(generateAdapter);
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};
const ask = (content: string) => ({ model: 'local', messages: [{ role: 'user', content }] });
const isKind = (kind: ProviderError['kind']) => (error: unknown) =>
  error instanceof ProviderError && error.kind === kind;

describe('Ollama adapters against the Ollama simulator', () => {
  let sim: Simulator;
  let chatModel: Deployment;
  let generateModel: Deployment;

  before(async () => {
    sim = await startOllamaSimulator({ models: ['llama3', 'nomic-embed-text'] });
    chatModel = testDeployment('ollama_chat', 'llama3', { apiBase: sim.url });
    generateModel = testDeployment('ollama', 'llama3', { apiBase: sim.url });
  });
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it('ollama_chat/ answers a chat completion with usage from the eval counts', async () => {
    const completion = await chatClient.call(
      chatAdapter.chat,
      ask('hello ollama'),
      testContext(chatModel),
    );
    assert.equal(completion.choices[0]?.message.content, simulatedAnswer('hello ollama'));
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.prompt_tokens, 2);
    assert.equal(
      completion.usage?.completion_tokens,
      countSimTokens(simulatedAnswer('hello ollama')),
    );
    const sent = sim.requests[0];
    assert.equal(sent?.path, '/api/chat');
    assert.deepEqual(sent?.body, {
      model: 'llama3',
      messages: [{ role: 'user', content: 'hello ollama' }],
      stream: false,
      options: {},
    });
  });

  it('ollama_chat/ streams role, deltas, finish and a final usage chunk', async () => {
    const chunks = await chatClient.stream(
      chatAdapter.chat,
      ask('stream please'),
      testContext(chatModel),
    );
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
    assert.equal(
      chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
      simulatedAnswer('stream please'),
    );
    assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1)?.choices, []);
    const words = countSimTokens(simulatedAnswer('stream please'));
    assert.deepEqual(chunks.at(-1)?.usage, {
      prompt_tokens: 2,
      completion_tokens: words,
      total_tokens: 2 + words,
    });
    assert.equal((sim.requests[0]?.body as { stream?: boolean }).stream, true);
  });

  it('max_tokens becomes num_predict and a cut-off answer finishes with length', async () => {
    const request = { ...ask('count to ten'), max_tokens: 3 };
    const completion = await chatClient.call(chatAdapter.chat, request, testContext(chatModel));
    assert.equal(completion.choices[0]?.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 3);
    const chunks = await chatClient.stream(chatAdapter.chat, request, testContext(chatModel));
    assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === 'length'));
  });

  it('ollama_chat/ calls tools with generated ids and JSON-string arguments', async () => {
    const withTools = { ...ask('please use a tool'), tools: [weatherTool] };
    const completion = await chatClient.call(chatAdapter.chat, withTools, testContext(chatModel));
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    assert.match(call?.id ?? '', /^call_/);
    assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { city: 'Paris' });
    const chunks = await chatClient.stream(chatAdapter.chat, withTools, testContext(chatModel));
    const delta = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0];
    assert.equal(delta?.index, 0);
    assert.equal(delta?.function?.name, 'get_weather');
    assert.ok(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls'));
  });

  it('ollama/ sends a flattened prompt to /api/generate, streaming and not', async () => {
    const request = {
      model: 'x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi there' },
      ],
    };
    const completion = await generateClient.call(
      generateAdapter.chat,
      request,
      testContext(generateModel),
    );
    assert.equal(completion.object, 'chat.completion');
    assert.equal(
      completion.choices[0]?.message.content,
      simulatedAnswer('### User:\nhi there\n\n'),
    );
    const sent = sim.requests[0]?.body as Record<string, unknown>;
    assert.equal(sim.requests[0]?.path, '/api/generate');
    assert.equal(sent.system, 'Be brief.');
    const chunks = await generateClient.stream(
      generateAdapter.chat,
      request,
      testContext(generateModel),
    );
    assert.equal(chunks.at(-1)?.usage?.completion_tokens, completion.usage?.completion_tokens);
  });

  it('ollama/ refuses tools with a pointer to ollama_chat/', async () => {
    const withTools = { ...ask('please use a tool'), tools: [weatherTool] };
    await assert.rejects(
      generateClient.call(generateAdapter.chat, withTools, testContext(generateModel)),
      (error: unknown) =>
        isKind('bad_request')(error) && /ollama_chat\/llama3/.test((error as Error).message),
    );
    assert.equal(sim.requests.length, 0, 'nothing was sent');
  });

  it('ollama/ runs legacy completions as raw prompts', async () => {
    const op = generateAdapter.completion!;
    const text = await generateClient.call(
      op,
      { model: 'x', prompt: 'def add' },
      testContext(generateModel),
    );
    assert.equal(text.choices[0]?.text, simulatedAnswer('def add'));
    const chunks = await generateClient.stream(
      op,
      { model: 'x', prompt: 'def add' },
      testContext(generateModel),
    );
    assert.equal(chunks.map((c) => c.choices[0]?.text ?? '').join(''), simulatedAnswer('def add'));
  });

  it('embeds through /api/embed with usage', async () => {
    const embedder = { ...chatModel, model: 'nomic-embed-text' };
    const list = await chatClient.call(
      chatAdapter.embedding!,
      { model: 'x', input: ['a b', 'c'] },
      testContext(embedder),
    );
    assert.equal(list.data.length, 2);
    assert.equal(list.data[1]?.index, 1);
    assert.deepEqual(list.usage, { prompt_tokens: 3, total_tokens: 3 });
    assert.equal(sim.requests[0]?.path, '/api/embed');
  });

  it('classifies an unpulled model as not_found with Ollama’s message', async () => {
    const missing = { ...chatModel, model: 'mistral' };
    await assert.rejects(
      chatClient.call(chatAdapter.chat, ask('hi'), testContext(missing)),
      (error: unknown) => {
        assert.ok(isKind('not_found')(error));
        assert.equal((error as Error).message, 'model "mistral" not found, try pulling it first');
        return true;
      },
    );
  });

  it('classifies 401, 429 with retry-after, and 500', async () => {
    sim.fail(
      { kind: 'status', status: 401, message: 'unauthorized' },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      { kind: 'status', status: 500 },
    );
    const call = () => chatClient.call(chatAdapter.chat, ask('hi'), testContext(chatModel));
    await assert.rejects(call(), isKind('auth'));
    await assert.rejects(
      call(),
      (error: unknown) =>
        isKind('rate_limit')(error) && (error as ProviderError).details.retryAfterMs === 2000,
    );
    await assert.rejects(call(), isKind('server'));
  });

  it('detects truncated and reset streams, error lines and garbage bodies', async () => {
    const stream = (content: string) =>
      chatClient.stream(chatAdapter.chat, ask(content), testContext(chatModel));
    sim.fail({ kind: 'truncate' });
    await assert.rejects(stream('cut me off'), isKind('connection'));
    sim.fail({ kind: 'reset' });
    await assert.rejects(stream('reset me'), isKind('connection'));
    await assert.rejects(
      stream('please fail mid-stream now'),
      (error: unknown) =>
        isKind('server')(error) && /unexpected EOF/.test((error as Error).message),
    );
    sim.fail({ kind: 'garbage' });
    await assert.rejects(
      chatClient.call(chatAdapter.chat, ask('hi'), testContext(chatModel)),
      isKind('bad_response'),
    );
  });

  it('the simulator lists its models like /api/tags', async () => {
    const response = await fetch(`${sim.url}/api/tags`);
    const tags = (await response.json()) as { models: { name: string }[] };
    assert.deepEqual(
      tags.models.map((m) => m.name),
      ['llama3:latest', 'nomic-embed-text:latest'],
    );
  });
});
