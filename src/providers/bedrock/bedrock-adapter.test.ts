import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext, testDeployment } from '../../../test/helpers/test-deployment.js';
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';
import { createBedrockAdapter } from './bedrock-adapter.js';

const AWS = {
  aws_access_key_id: 'AKIDEXAMPLE',
  aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  aws_region_name: 'eu-west-1',
};
const adapter = createBedrockAdapter();
const chat = { model: 'claude', messages: [{ role: 'user', content: 'Hi' }] };

const build = (overrides: Partial<Deployment>, stream = false) =>
  adapter.chat.buildRequest(
    chat,
    testContext(
      testDeployment('bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0', overrides),
      stream,
    ),
  );

test('requests go to the regional endpoint with the model id percent-encoded, signed', async () => {
  const request = await build({ connection: AWS });
  assert.equal(
    request.url,
    'https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
  );
  assert.equal(request.headers.host, 'bedrock-runtime.eu-west-1.amazonaws.com');
  assert.match(request.headers['x-amz-date'] ?? '', /^\d{8}T\d{6}Z$/);
  assert.match(
    request.headers.authorization ?? '',
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
  );
  assert.equal(request.headers['x-amz-security-token'], undefined);
  assert.deepEqual(JSON.parse(request.body ?? ''), {
    messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
  });
});

test('streams use converse-stream; session tokens are sent and signed', async () => {
  const request = await build({ connection: { ...AWS, aws_session_token: 'FwoGZX' } }, true);
  assert.match(request.url, /\/converse-stream$/);
  assert.equal(request.headers.accept, 'application/vnd.amazon.eventstream');
  assert.equal(request.headers['x-amz-security-token'], 'FwoGZX');
  assert.match(request.headers.authorization ?? '', /x-amz-security-token/);
});

test('api_base wins over aws_bedrock_runtime_endpoint, which wins over the default', async () => {
  const endpoint = {
    ...AWS,
    aws_bedrock_runtime_endpoint: 'https://vpce-1.bedrock-runtime.example.com',
  };
  assert.match(
    (await build({ connection: endpoint })).url,
    /^https:\/\/vpce-1\.bedrock-runtime\.example\.com\/model\//,
  );
  const both = await build({ connection: endpoint, apiBase: 'http://127.0.0.1:9999/' });
  assert.match(both.url, /^http:\/\/127\.0\.0\.1:9999\/model\//);
  assert.equal(both.headers.host, '127.0.0.1:9999');
});

test('a bedrock/converse/ prefix chooses the API and is not part of the model id', async () => {
  const request = await adapter.chat.buildRequest(
    chat,
    testContext(testDeployment('bedrock', 'converse/us.amazon.nova-pro-v1:0', { connection: AWS })),
  );
  assert.match(request.url, /\/model\/us\.amazon\.nova-pro-v1%3A0\/converse$/);
});

test('missing AWS settings are named in the error', async () => {
  const missing = async (connection: Record<string, unknown>, kind: string, setting: string) =>
    assert.rejects(
      async () => build({ connection }),
      (e: unknown) => e instanceof ProviderError && e.kind === kind && e.message.includes(setting),
    );
  await missing({ ...AWS, aws_region_name: undefined }, 'bad_request', 'aws_region_name');
  await missing({ ...AWS, aws_access_key_id: '' }, 'auth', 'aws_access_key_id');
  await missing({ ...AWS, aws_secret_access_key: undefined }, 'auth', 'aws_secret_access_key');
});

test('embeddings are signed invoke calls', async () => {
  const request = await adapter.embedding!.buildRequest(
    { model: 'e', input: 'hello' },
    testContext(testDeployment('bedrock', 'amazon.titan-embed-text-v2:0', { connection: AWS })),
  );
  assert.match(request.url, /\/model\/amazon\.titan-embed-text-v2%3A0\/invoke$/);
  assert.deepEqual(JSON.parse(request.body ?? ''), { inputText: 'hello' });
  assert.ok(request.headers.authorization);
});
