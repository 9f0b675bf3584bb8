import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';
import { createGeminiAdapter } from './gemini-adapter.js';

const adapter = createGeminiAdapter();
const chat = { model: 'g', messages: [{ role: 'user', content: 'Hi' }] };
const build = (overrides: Partial<Deployment>, stream = false) =>
  adapter.chat.buildRequest(
    chat,
    testContext(
      testDeployment('gemini', 'gemini-2.0-flash', { apiKey: 'AIza-test', ...overrides }),
      stream,
    ),
  );

test('chat goes to generateContent / streamGenerateContent?alt=sse with x-goog-api-key', async () => {
  const plain = await build({});
  assert.equal(
    plain.url,
    'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent',
  );
  assert.equal(plain.headers['x-goog-api-key'], 'AIza-test');
  assert.equal(plain.headers['content-type'], 'application/json');
  const streamed = await build({}, true);
  assert.match(streamed.url, /\/models\/gemini-2\.0-flash:streamGenerateContent\?alt=sse$/);
});

test('api_base is used with or without an API version, and defaults fill the request', async () => {
  assert.equal(
    (await build({ apiBase: 'http://127.0.0.1:8080/' })).url,
    'http://127.0.0.1:8080/v1beta/models/gemini-2.0-flash:generateContent',
  );
  assert.equal(
    (await build({ apiBase: 'https://proxy.example.com/v1beta' })).url,
    'https://proxy.example.com/v1beta/models/gemini-2.0-flash:generateContent',
  );
  const withDefaults = await build({ defaults: { temperature: 0.1 }, headers: { 'x-extra': '1' } });
  assert.deepEqual(JSON.parse(withDefaults.body ?? '').generationConfig, { temperature: 0.1 });
  assert.equal(withDefaults.headers['x-extra'], '1');
});

test('a deployment without api_key or api_base is an auth error naming the setting', async () => {
  await assert.rejects(
    async () => build({ apiKey: undefined }),
    (e: unknown) =>
      e instanceof ProviderError && e.kind === 'auth' && /GEMINI_API_KEY/.test(e.message),
  );
});

test('embeddings use batchEmbedContents', async () => {
  const request = await adapter.embedding!.buildRequest(
    { model: 'e', input: 'hello' },
    testContext(testDeployment('gemini', 'text-embedding-004', { apiKey: 'k' })),
  );
  assert.match(request.url, /\/v1beta\/models\/text-embedding-004:batchEmbedContents$/);
});
