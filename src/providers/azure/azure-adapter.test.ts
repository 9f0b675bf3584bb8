import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';
import { createAzureAdapter } from './azure-adapter.js';
import { AZURE_DEFAULT_API_VERSION, acceptsStreamOptions } from './azure-url.js';

const adapter = createAzureAdapter();
const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

function azure(overrides: Partial<Deployment> = {}): Deployment {
  return testDeployment('azure', 'my-gpt4o', {
    apiBase: 'https://res.openai.azure.com',
    apiKey: 'azure-key',
    apiVersion: '2024-10-21',
    ...overrides,
  });
}

test('chat goes to the deployment URL with api-version and the api-key header', async () => {
  const upstream = await adapter.chat.buildRequest(chat, testContext(azure()));
  assert.equal(
    upstream.url,
    'https://res.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21',
  );
  assert.equal(upstream.headers['api-key'], 'azure-key');
  assert.equal(upstream.headers.authorization, undefined);
  assert.equal(upstream.headers['content-type'], 'application/json');
});

test('completions and embeddings use their own operation paths', async () => {
  const d = azure({ apiBase: 'https://res.openai.azure.com/' });
  const completion = await adapter.completion!.buildRequest(
    { model: 'x', prompt: 'hi' },
    testContext(d),
  );
  const embedding = await adapter.embedding!.buildRequest(
    { model: 'x', input: 'hi' },
    testContext(d),
  );
  assert.match(completion.url, /\/openai\/deployments\/my-gpt4o\/completions\?api-version=/);
  assert.match(embedding.url, /\/openai\/deployments\/my-gpt4o\/embeddings\?api-version=/);
});

test('api_version defaults to LiteLLM’s default when unset', async () => {
  const upstream = await adapter.chat.buildRequest(
    chat,
    testContext(azure({ apiVersion: undefined })),
  );
  assert.equal(new URL(upstream.url).searchParams.get('api-version'), AZURE_DEFAULT_API_VERSION);
});

test('an api_base that already names a deployment is used as given', async () => {
  const full =
    'https://res.openai.azure.com/openai/deployments/other/chat/completions?api-version=2024-06-01';
  const upstream = await adapter.chat.buildRequest(chat, testContext(azure({ apiBase: full })));
  assert.equal(upstream.url, full);
  const bare = 'https://res.openai.azure.com/openai/deployments/other';
  const upstream2 = await adapter.chat.buildRequest(chat, testContext(azure({ apiBase: bare })));
  assert.equal(upstream2.url, `${bare}/chat/completions?api-version=2024-10-21`);
});

test('an api_base ending in /openai and LiteLLM route prefixes do not double up', async () => {
  const d = azure({ apiBase: 'https://res.openai.azure.com/openai/', model: 'o_series/my-o3' });
  const upstream = await adapter.chat.buildRequest(chat, testContext(d));
  assert.match(
    upstream.url,
    /^https:\/\/res\.openai\.azure\.com\/openai\/deployments\/my-o3\/chat/,
  );
});

test('a missing api_base is a clear error naming the setting', async () => {
  await assert.rejects(
    async () => adapter.chat.buildRequest(chat, testContext(azure({ apiBase: undefined }))),
    (error: unknown) =>
      error instanceof ProviderError &&
      error.kind === 'bad_request' &&
      error.message.includes('api_base') &&
      error.message.includes('AZURE_API_BASE'),
  );
});

test('extra headers are sent and the deployment defaults reach the body', async () => {
  const d = azure({ headers: { 'x-ms-client': 'tollgate' }, defaults: { temperature: 0.2 } });
  const upstream = await adapter.chat.buildRequest(chat, testContext(d));
  assert.equal(upstream.headers['x-ms-client'], 'tollgate');
  assert.equal(JSON.parse(upstream.body ?? '{}').temperature, 0.2);
});

test('streams ask for usage, except on API versions that refuse stream_options', async () => {
  const recent = await adapter.chat.buildRequest(chat, testContext(azure(), true));
  assert.deepEqual(JSON.parse(recent.body ?? '{}').stream_options, { include_usage: true });
  const old = await adapter.chat.buildRequest(
    chat,
    testContext(azure({ apiVersion: '2024-02-01' }), true),
  );
  const body = JSON.parse(old.body ?? '{}') as Record<string, unknown>;
  assert.equal(body.stream, true);
  assert.equal(body.stream_options, undefined);
  assert.equal(acceptsStreamOptions('2024-09-01-preview'), true);
  assert.equal(acceptsStreamOptions('2024-08-01-preview'), false);
  assert.equal(acceptsStreamOptions('preview'), true);
});

test('content-filter refusals are content_policy', () => {
  const body = JSON.stringify({
    error: {
      message: 'The response was filtered due to the prompt triggering a policy.',
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: {} },
    },
  });
  const error = adapter.parseError(400, body, {});
  assert.equal(error.kind, 'content_policy');
  assert.equal(error.details.status, 400);
});

test('Azure 429s are rate limits even though their message links to a quota page', () => {
  const body = JSON.stringify({
    error: {
      code: '429',
      message:
        'Requests to the ChatCompletions_Create Operation have exceeded token rate limit. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease',
    },
  });
  const error = adapter.parseError(429, body, { 'retry-after': '6' });
  assert.equal(error.kind, 'rate_limit');
  assert.equal(error.details.retryAfterMs, 6000);
});

test('Azure auth and deployment errors are classified by status', () => {
  const auth = adapter.parseError(
    401,
    '{"error":{"code":"401","message":"Access denied due to invalid subscription key."}}',
    {},
  );
  assert.equal(auth.kind, 'auth');
  assert.match(auth.message, /Access denied/);
  const missing = adapter.parseError(
    404,
    '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}',
    {},
  );
  assert.equal(missing.kind, 'not_found');
});

test('the Responses API goes to the resource, with a version that has it and the deployment as model', async () => {
  const url = async (overrides: Partial<Deployment>) => {
    const d = azure(overrides);
    const upstream = await adapter.responses!.buildRequest(
      { model: 'x', input: 'hi' },
      testContext(d),
    );
    return { url: upstream.url, model: JSON.parse(upstream.body ?? '{}').model as string };
  };
  assert.deepEqual(await url({}), {
    url: 'https://res.openai.azure.com/openai/responses?api-version=2025-04-01-preview',
    model: 'my-gpt4o',
  });
  assert.equal(
    (
      await url({
        apiBase: 'https://res.openai.azure.com/openai/',
        apiVersion: '2025-03-01-preview',
      })
    ).url,
    'https://res.openai.azure.com/openai/responses?api-version=2025-03-01-preview',
  );
  assert.equal(
    (
      await url({
        apiBase: 'https://res.openai.azure.com/openai/deployments/my-gpt4o/chat/completions',
        apiVersion: 'preview',
      })
    ).url,
    'https://res.openai.azure.com/openai/responses?api-version=preview',
  );
});
