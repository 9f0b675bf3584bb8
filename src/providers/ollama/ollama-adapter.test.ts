import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import { createSequentialIdSource } from '../shared/id-source.js';
import { createOllamaAdapter } from './ollama-adapter.js';

const chat = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };

test('ollama_chat/ posts to /api/chat on localhost:11434 by default', async () => {
  const adapter = createOllamaAdapter('ollama_chat');
  const upstream = await adapter.chat.buildRequest(
    chat,
    testContext(testDeployment('ollama_chat', 'llama3')),
  );
  assert.equal(upstream.url, 'http://localhost:11434/api/chat');
  assert.equal(upstream.headers['content-type'], 'application/json');
  assert.equal(upstream.headers.authorization, undefined);
  assert.equal(adapter.completion, undefined, 'completions run through chat');
});

test('ollama/ posts chat and completions to /api/generate', async () => {
  const adapter = createOllamaAdapter('ollama');
  const d = testDeployment('ollama', 'llama3', { apiBase: 'http://gpu-box:11434/' });
  const chatUpstream = await adapter.chat.buildRequest(chat, testContext(d));
  const textUpstream = await adapter.completion!.buildRequest(
    { model: 'x', prompt: 'hi' },
    testContext(d),
  );
  assert.equal(chatUpstream.url, 'http://gpu-box:11434/api/generate');
  assert.equal(textUpstream.url, 'http://gpu-box:11434/api/generate');
});

test('an api_base that already names an endpoint keeps only the server root', async () => {
  const adapter = createOllamaAdapter('ollama_chat');
  const d = testDeployment('ollama_chat', 'llama3', { apiBase: 'http://h:11434/api/chat' });
  const embed = await adapter.embedding!.buildRequest({ model: 'x', input: 'hi' }, testContext(d));
  assert.equal(embed.url, 'http://h:11434/api/embed');
});

test('api_key is sent as a bearer token, and extra headers pass through', async () => {
  const adapter = createOllamaAdapter('ollama_chat');
  const d = testDeployment('ollama_chat', 'llama3', { apiKey: 'k', headers: { 'x-team': 'ml' } });
  const upstream = await adapter.chat.buildRequest(chat, testContext(d));
  assert.equal(upstream.headers.authorization, 'Bearer k');
  assert.equal(upstream.headers['x-team'], 'ml');
});

test('embeddings become an OpenAI list with usage from prompt_eval_count', () => {
  const adapter = createOllamaAdapter('ollama', createSequentialIdSource());
  const ctx = testContext(testDeployment('ollama', 'nomic-embed-text'));
  const list = adapter.embedding!.parseResponse(
    JSON.stringify({
      model: 'nomic-embed-text',
      embeddings: [
        [0.1, 0.2],
        [0.3, 0.4],
      ],
      prompt_eval_count: 4,
    }),
    ctx,
  );
  assert.deepEqual(list, {
    object: 'list',
    data: [
      { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
      { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
    ],
    model: 'nomic-embed-text',
    usage: { prompt_tokens: 4, total_tokens: 4 },
  });
});

test('Ollama error bodies are classified by the shared classifier', () => {
  const adapter = createOllamaAdapter('ollama_chat');
  const missing = adapter.parseError(
    404,
    '{"error":"model \\"nope\\" not found, try pulling it first"}',
    {},
  );
  assert.equal(missing.kind, 'not_found');
  assert.equal(missing.message, 'model "nope" not found, try pulling it first');
  assert.equal(
    adapter.parseError(500, '{"error":"llama runner process has terminated"}', {}).kind,
    'server',
  );
  assert.equal(adapter.parseError(400, '{"error":"invalid options"}', {}).kind, 'bad_request');
});

test('a non-JSON or wrongly shaped answer is bad_response', () => {
  const adapter = createOllamaAdapter('ollama_chat');
  const ctx = testContext(testDeployment('ollama_chat', 'llama3'));
  assert.throws(() => adapter.chat.parseResponse('<html>', ctx), { kind: 'bad_response' });
  assert.throws(() => adapter.embedding!.parseResponse('{"embeddings":"x"}', ctx), {
    kind: 'bad_response',
  });
});
