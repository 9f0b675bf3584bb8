/**
 * Vertex AI deployments (`vertex_ai/gemini-...`), configured as LiteLLM's docs show them:
 * `vertex_project`, `vertex_location`, `vertex_credentials` (a key file's path or its JSON),
 * `GOOGLE_APPLICATION_CREDENTIALS`, `VERTEXAI_PROJECT` / `VERTEXAI_LOCATION`, or the metadata
 * server on Google Cloud. The gateway gets an OAuth token for the credentials (kept until shortly
 * before it expires), calls the project's regional endpoint, and answers in OpenAI's format,
 * streams and embeddings included. Google Cloud is simulated (test/simulators/vertex-simulator.ts);
 * clients are the official OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Deployment } from '../src/contracts/deployment.js';
import { createVertexAdapter } from '../src/providers/vertex/vertex-adapter.js';
import type { GoogleTokens } from '../src/providers/vertex/google-tokens.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { refusal } from './helpers/priced-models.js';
import { startVertexSimulator, type VertexSimulator } from './simulators/vertex-simulator.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-vertex-'));
let google: VertexSimulator;

before(async () => {
  google = await startVertexSimulator();
});
after(async () => {
  await google?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sdk(gateway: TestGateway) {
  return new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

/** Streams an answer with its usage, as a client asking for usage sees it. */
async function streamsWithUsage(client: OpenAI, model: string, content: string) {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: 'user', content }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  assert.ok(text.length > 0, 'the stream carried text');
  assert.ok(usage && usage.completion_tokens > 0, 'and its usage');
}

async function withGateway(
  models: Record<string, unknown>[],
  env: Record<string, string>,
  run: (gateway: TestGateway) => Promise<void>,
) {
  const gateway = await startGateway(
    { model_list: models, general_settings: { master_key: MASTER_KEY } },
    { env },
  );
  try {
    await run(gateway);
  } finally {
    await gateway.close();
  }
}

describe('Vertex AI with a service account key', () => {
  it('answers chat, streams and embeddings, with one token for many calls', async () => {
    const keyFile = join(dir, 'service-account.json');
    writeFileSync(keyFile, JSON.stringify(google.serviceAccount));
    const params = {
      vertex_project: 'acme-prod',
      vertex_location: 'europe-west4',
      vertex_credentials: keyFile,
      api_base: google.url,
    };
    const before = google.issued.length;
    await withGateway(
      [
        {
          model_name: 'gemini-flash',
          litellm_params: { model: 'vertex_ai/gemini-2.0-flash', ...params },
        },
        {
          model_name: 'vertex-embed',
          litellm_params: { model: 'vertex_ai/text-embedding-005', ...params },
        },
      ],
      {},
      async (gateway) => {
        const client = sdk(gateway);
        const { data: answer, response } = await client.chat.completions
          .create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'hello there' }] })
          .withResponse();
        assert.ok(answer.choices[0]?.message.content);
        assert.equal(answer.choices[0]?.finish_reason, 'stop');
        assert.ok(answer.usage!.prompt_tokens > 0 && answer.usage!.completion_tokens > 0);
        assert.ok(
          Number(response.headers.get('x-litellm-response-cost')) > 0,
          "priced at Google's price for the model",
        );

        await streamsWithUsage(client, 'gemini-flash', 'stream it');

        const embedded = await client.embeddings.create({
          model: 'vertex-embed',
          input: ['first text', 'the second text'],
        });
        assert.equal(embedded.data.length, 2);
        assert.equal(embedded.data[1]?.embedding.length, 3);
        assert.equal(embedded.usage.prompt_tokens, 2 + 3);
      },
    );
    const calls = google.calls.slice(-3);
    assert.deepEqual(
      calls.map((c) => [c.project, c.location, c.model, c.method]),
      [
        ['acme-prod', 'europe-west4', 'gemini-2.0-flash', 'generateContent'],
        ['acme-prod', 'europe-west4', 'gemini-2.0-flash', 'streamGenerateContent'],
        ['acme-prod', 'europe-west4', 'text-embedding-005', 'predict'],
      ],
    );
    const issued = google.issued.slice(before);
    assert.deepEqual(
      issued.map((t) => t.grant),
      ['jwt-bearer'],
      'one token, signed with the key, for every call',
    );
  });

  it('takes the key JSON itself, and the project from it', async () => {
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: {
            model: 'vertex_ai/gemini-2.0-flash',
            vertex_credentials: JSON.stringify(google.serviceAccount),
            api_base: google.url,
          },
        },
      ],
      {},
      async (gateway) => {
        await sdk(gateway).chat.completions.create({
          model: 'gemini',
          messages: [{ role: 'user', content: 'hi' }],
        });
      },
    );
    const last = google.calls.at(-1)!;
    assert.deepEqual([last.project, last.location], ['sim-project', 'us-central1']);
  });

  it('asks for a new token shortly before the old one expires', async () => {
    google.expiresIn = 2;
    try {
      await withGateway(
        [
          {
            model_name: 'gemini',
            litellm_params: {
              model: 'vertex_ai/gemini-2.0-flash',
              vertex_credentials: JSON.stringify(google.serviceAccount),
              vertex_project: 'renewals',
              api_base: google.url,
            },
          },
        ],
        {},
        async (gateway) => {
          const before = google.issued.length;
          const ask = () =>
            sdk(gateway).chat.completions.create({
              model: 'gemini',
              messages: [{ role: 'user', content: 'hi' }],
            });
          await ask();
          await ask();
          assert.equal(google.issued.length, before + 1);
          await sleep(1_100);
          await ask();
          assert.equal(google.issued.length, before + 2, 'renewed half-way through its 2 s');
        },
      );
    } finally {
      google.expiresIn = 3599;
    }
  });

  it("answers 401 with Google's reason when the key is not the account's", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = {
      ...google.serviceAccount,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: {
            model: 'vertex_ai/gemini-2.0-flash',
            vertex_credentials: JSON.stringify(forged),
            api_base: google.url,
          },
        },
      ],
      {},
      async (gateway) => {
        const error = await refusal(
          sdk(gateway).chat.completions.create({
            model: 'gemini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        );
        assert.equal(error.status, 401);
        assert.match(
          error.message,
          /Google refused the token request: invalid_grant: Invalid JWT Signature/,
        );
        assert.doesNotMatch(error.message, /PRIVATE KEY/);
      },
    );
  });
});

describe('Claude on Vertex AI', () => {
  it('sends the Messages API body to rawPredict and answers chat and streams', async () => {
    await withGateway(
      [
        {
          model_name: 'claude-vertex',
          litellm_params: {
            model: 'vertex_ai/claude-sonnet-4@20250514',
            vertex_project: 'acme-prod',
            vertex_location: 'us-east5',
            vertex_credentials: JSON.stringify(google.serviceAccount),
            api_base: google.url,
          },
        },
      ],
      {},
      async (gateway) => {
        const client = sdk(gateway);
        const { data: answer, response } = await client.chat.completions
          .create({
            model: 'claude-vertex',
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'hello claude' },
            ],
          })
          .withResponse();
        assert.ok(answer.choices[0]?.message.content);
        assert.equal(answer.choices[0]?.finish_reason, 'stop');
        assert.ok(answer.usage!.prompt_tokens > 0);
        assert.ok(Number(response.headers.get('x-litellm-response-cost')) > 0, 'priced');
        await streamsWithUsage(client, 'claude-vertex', 'stream please');
      },
    );
    const paths = google.requests.slice(-2).map((r) => r.path);
    assert.deepEqual(paths, [
      '/v1/projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict',
      '/v1/projects/acme-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict',
    ]);
    const sent = google.requests.at(-1)!.body as Record<string, unknown>;
    assert.equal(sent.anthropic_version, 'vertex-2023-10-16');
    assert.equal(sent.model, undefined);
    assert.equal(sent.stream, true);
  });
});

describe('Vertex AI with other credentials', () => {
  it('reads GOOGLE_APPLICATION_CREDENTIALS (user credentials) and VERTEXAI_PROJECT / _LOCATION', async () => {
    const adc = join(dir, 'application_default_credentials.json');
    writeFileSync(adc, JSON.stringify(google.authorizedUser));
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: { model: 'vertex_ai/gemini-2.0-flash', api_base: google.url },
        },
      ],
      {
        GOOGLE_APPLICATION_CREDENTIALS: adc,
        VERTEXAI_PROJECT: 'from-env',
        VERTEXAI_LOCATION: 'asia-northeast1',
      },
      async (gateway) => {
        const answer = await sdk(gateway).chat.completions.create({
          model: 'gemini',
          messages: [{ role: 'user', content: 'hi' }],
        });
        assert.ok(answer.choices[0]?.message.content);
      },
    );
    const last = google.calls.at(-1)!;
    assert.deepEqual([last.project, last.location], ['from-env', 'asia-northeast1']);
    assert.equal(google.issued.at(-1)?.grant, 'refresh_token');
  });

  it("uses the metadata server's token on Google Cloud, without credentials", async () => {
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: {
            model: 'vertex_ai/gemini-2.0-flash',
            vertex_project: 'gke-project',
            api_base: google.url,
          },
        },
      ],
      { GCE_METADATA_HOST: `127.0.0.1:${google.port}` },
      async (gateway) => {
        await sdk(gateway).chat.completions.create({
          model: 'gemini',
          messages: [{ role: 'user', content: 'hi' }],
        });
      },
    );
    assert.equal(google.issued.at(-1)?.grant, 'metadata');
    assert.equal(google.calls.at(-1)?.project, 'gke-project');
  });

  it('says which setting is missing when no project is known', async () => {
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: { model: 'vertex_ai/gemini-2.0-flash', api_base: google.url },
        },
      ],
      { GCE_METADATA_HOST: `127.0.0.1:${google.port}` },
      async (gateway) => {
        const error = await refusal(
          sdk(gateway).chat.completions.create({
            model: 'gemini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        );
        assert.equal(error.status, 400);
        assert.match(error.message, /set vertex_project \(or VERTEXAI_PROJECT\)/);
      },
    );
  });
});

describe('Vertex AI credentials that cannot be used', () => {
  it('answers 401 naming the credentials file it cannot read', async () => {
    await withGateway(
      [
        {
          model_name: 'gemini',
          litellm_params: {
            model: 'vertex_ai/gemini-2.0-flash',
            vertex_project: 'p',
            vertex_credentials: join(dir, 'missing.json'),
            api_base: google.url,
          },
        },
      ],
      {},
      async (gateway) => {
        const error = await refusal(
          sdk(gateway).chat.completions.create({
            model: 'gemini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        );
        assert.equal(error.status, 401);
        assert.match(error.message, /cannot read the credentials file .*missing\.json: ENOENT/);
      },
    );
  });
});

describe('Vertex AI endpoints', () => {
  const tokens = {
    authorization: async () => 'Bearer ya29.test',
    credentialsOf: async () => undefined,
  } as unknown as GoogleTokens;
  const deployment = (connection: Record<string, unknown>): Deployment => ({
    id: 'd1',
    modelName: 'gemini',
    provider: 'vertex_ai',
    model: 'gemini-2.0-flash',
    headers: {},
    connection,
    defaults: {},
    modelInfo: { id: 'd1', access_groups: [] },
  });
  const url = async (connection: Record<string, unknown>, stream = false) => {
    const adapter = createVertexAdapter(tokens);
    const request = await adapter.chat!.buildRequest(
      { model: 'gemini', messages: [{ role: 'user', content: 'hi' }] },
      { deployment: deployment(connection), stream } as never,
    );
    return request.url;
  };

  it("calls the region's endpoint, or the global one", async () => {
    assert.equal(
      await url({ vertex_project: 'p1', vertex_location: 'europe-west4' }),
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent',
    );
    assert.equal(
      await url({ vertex_project: 'p1', vertex_location: 'global' }, true),
      'https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    );
    assert.equal(
      await url({ vertex_project: 'p1' }),
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent',
    );
  });

  it("reads Claude's errors in Anthropic's shape and Vertex's in Google's", () => {
    const adapter = createVertexAdapter(tokens);
    const claude = adapter.parseError(
      429,
      '{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}',
      {},
    );
    assert.equal(claude.kind, 'rate_limit');
    assert.match(claude.message, /per-minute rate limit/);
    const google = adapter.parseError(
      403,
      '{"error":{"code":403,"message":"Permission denied on resource project acme-prod.","status":"PERMISSION_DENIED"}}',
      {},
    );
    assert.equal(google.kind, 'permission');
    assert.match(google.message, /Permission denied on resource project acme-prod/);
  });
});
