import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import type { ChatRequest } from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';
import { createOpenAiAdapter } from './openai-adapter.js';

const openai = createOpenAiAdapter('openai');
const chat: ChatRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

function d(over: Partial<Deployment> = {}): Deployment {
  return testDeployment('openai', 'gpt-4o-2024-08-06', { apiKey: 'sk-upstream', ...over });
}

async function chatBody(
  request: Record<string, unknown>,
  deployment = d(),
  stream = false,
): Promise<Record<string, unknown>> {
  const upstream = await openai.chat.buildRequest(
    request as ChatRequest,
    testContext(deployment, stream),
  );
  return JSON.parse(upstream.body ?? 'null') as Record<string, unknown>;
}

describe('URL', () => {
  test('defaults to api.openai.com', async () => {
    const upstream = await openai.chat.buildRequest(chat, testContext(d()));
    assert.equal(upstream.url, 'https://api.openai.com/v1/chat/completions');
  });

  test('joins api_base and the path with exactly one slash', async () => {
    for (const apiBase of ['https://gw.example/v1', 'https://gw.example/v1/']) {
      const upstream = await openai.chat.buildRequest(chat, testContext(d({ apiBase })));
      assert.equal(upstream.url, 'https://gw.example/v1/chat/completions', apiBase);
    }
  });

  test('completions and embeddings use their own paths', async () => {
    const ctx = testContext(d({ apiBase: 'http://local:8000/v1' }));
    const completion = await openai.completion!.buildRequest({ model: 'x', prompt: 'hi' }, ctx);
    const embedding = await openai.embedding!.buildRequest({ model: 'x', input: 'hi' }, ctx);
    assert.equal(completion.url, 'http://local:8000/v1/completions');
    assert.equal(embedding.url, 'http://local:8000/v1/embeddings');
  });

  test('vendors of the OpenAI family use their own default base', async () => {
    const groq = createOpenAiAdapter('groq');
    const upstream = await groq.chat.buildRequest(
      chat,
      testContext(testDeployment('groq', 'llama')),
    );
    assert.equal(upstream.url, 'https://api.groq.com/openai/v1/chat/completions');
    assert.equal(groq.displayName, 'Groq');
  });

  test('a vendor without a default base needs api_base: a 400 naming the model', async () => {
    const vllm = createOpenAiAdapter('hosted_vllm');
    assert.throws(
      () => vllm.chat.buildRequest(chat, testContext(testDeployment('hosted_vllm', 'm'))),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'bad_request' &&
        e.message === 'Hosted_vllm needs api_base for model hosted_vllm-group',
    );
  });
});

describe('headers', () => {
  test('Bearer key, organization and extra headers', async () => {
    const upstream = await openai.chat.buildRequest(
      chat,
      testContext(d({ organization: 'org-1', headers: { 'X-Team': 'blue' } })),
    );
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      authorization: 'Bearer sk-upstream',
      'openai-organization': 'org-1',
      'X-Team': 'blue',
    });
  });

  test('no key, no Authorization header', async () => {
    const upstream = await openai.chat.buildRequest(chat, testContext(d({ apiKey: undefined })));
    assert.equal(upstream.headers.authorization, undefined);
    assert.equal(upstream.headers['openai-organization'], undefined);
  });
});

describe('body', () => {
  test('the model is the deployment’s, not the group name the client sent', async () => {
    assert.equal((await chatBody({ ...chat })).model, 'gpt-4o-2024-08-06');
  });

  test('streams always ask for usage, keeping the client’s other stream options', async () => {
    const body = await chatBody({ ...chat, stream: true, stream_options: { foo: 1 } }, d(), true);
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { foo: 1, include_usage: true });
    const plain = await chatBody({ ...chat, stream: true }, d(), true);
    assert.deepEqual(plain.stream_options, { include_usage: true });
    const off = await chatBody(
      { ...chat, stream: true, stream_options: { include_usage: false } },
      d(),
      true,
    );
    assert.deepEqual(off.stream_options, { include_usage: true });
  });

  test('stream_options is removed from calls that do not stream', async () => {
    const body = await chatBody({ ...chat, stream_options: { include_usage: true } });
    assert.equal('stream_options' in body, false);
  });

  test('gateway-only fields are not sent upstream', async () => {
    const body = await chatBody({
      ...chat,
      metadata: { user: 'x' },
      litellm_metadata: {},
      mock_response: 'hi',
      mock_testing_fallbacks: true,
      fallbacks: ['b'],
      num_retries: 3,
      caching: false,
      tags: ['t'],
      user: 'end-user-1',
    });
    assert.deepEqual(Object.keys(body).sort(), ['messages', 'model', 'user']);
  });

  test('deployment defaults fill in what the request leaves out, and the request wins', async () => {
    const body = await chatBody(
      { ...chat, temperature: 0.9 },
      d({ defaults: { temperature: 0.1, max_tokens: 256 } }),
    );
    assert.equal(body.temperature, 0.9);
    assert.equal(body.max_tokens, 256);
  });

  test('the same rules apply to legacy completions', async () => {
    const upstream = await openai.completion!.buildRequest(
      { model: 'x', prompt: 'hi', metadata: {} } as never,
      testContext(d({ defaults: { max_tokens: 5 } }), true),
    );
    const body = JSON.parse(upstream.body ?? '{}') as Record<string, unknown>;
    assert.deepEqual(body, {
      max_tokens: 5,
      model: 'gpt-4o-2024-08-06',
      prompt: 'hi',
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('responses', () => {
  test('a chat completion is returned as parsed', () => {
    const body = { id: 'c1', object: 'chat.completion', choices: [{ index: 0 }] };
    assert.deepEqual(openai.chat.parseResponse(JSON.stringify(body), testContext(d())), body);
  });

  test('a body without choices is a 502 bad_response', () => {
    assert.throws(
      () => openai.chat.parseResponse('{"id":"x"}', testContext(d())),
      (e: unknown) =>
        e instanceof ProviderError &&
        e.kind === 'bad_response' &&
        e.details.status === 502 &&
        e.message === 'OpenAI returned a response without choices',
    );
  });

  test('a body that is not JSON is a bad_response', () => {
    assert.throws(() => openai.chat.parseResponse('<html>', testContext(d())), {
      kind: 'bad_response',
    });
  });

  test('embeddings need data', () => {
    const ok = { object: 'list', data: [{ embedding: [0.1] }] };
    assert.deepEqual(openai.embedding!.parseResponse(JSON.stringify(ok), testContext(d())), ok);
    assert.throws(() => openai.embedding!.parseResponse('{}', testContext(d())), {
      kind: 'bad_response',
    });
  });
});
