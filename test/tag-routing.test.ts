/**
 * LiteLLM's tag-based routing (`router_settings.enable_tag_filtering`), with the official openai
 * SDK: a request's tags (`tags` or `metadata.tags`) choose the deployments of its model group
 * that have them; untagged requests go to the `default`-tagged ones; no deployment for the tags
 * is a 400 that names them. A tag stored with `/tag/new` serves its calls on the deployments its
 * `models` name. Each deployment answers with its own mock text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const tier = (tags: string[], answer: string) => ({
  model_name: 'gpt-tiered',
  litellm_params: { model: 'mock/gpt-tiered', tags, mock_response: answer },
});

async function gatewayWith(routerSettings: Record<string, unknown>): Promise<TestGateway> {
  return startGateway({
    model_list: [
      tier(['free'], 'from free'),
      tier(['paid', 'eu'], 'from paid'),
      tier(['default'], 'from default'),
    ],
    router_settings: routerSettings,
    general_settings: { master_key: MASTER_KEY },
  });
}

async function answerOf(
  gateway: TestGateway,
  extra: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const sdk = new OpenAI({
    apiKey: MASTER_KEY,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: headers,
  });
  const completion = await sdk.chat.completions.create({
    model: 'gpt-tiered',
    messages: [{ role: 'user', content: 'hi' }],
    ...extra,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  return completion.choices[0]?.message.content ?? '';
}

describe('tag-based routing', () => {
  let gateway: TestGateway;
  let strict: TestGateway;
  before(async () => {
    gateway = await gatewayWith({ enable_tag_filtering: true });
    strict = await gatewayWith({ enable_tag_filtering: true, tag_filtering_match_any: false });
  });
  after(async () => {
    await gateway.close();
    await strict.close();
  });

  it('routes a tagged request to the deployments with its tags, every time', async () => {
    for (let i = 0; i < 5; i++) {
      assert.equal(await answerOf(gateway, { tags: ['free'] }), 'from free');
      assert.equal(await answerOf(gateway, { metadata: { tags: ['paid'] } }), 'from paid');
      // One tag may be given as a string, as in LiteLLM's examples.
      assert.equal(await answerOf(gateway, { tags: 'free' }), 'from free');
    }
  });

  it('routes by the x-litellm-tags header when the body names no tags', async () => {
    const viaHeader = (tags: string, extra: Record<string, unknown> = {}) =>
      answerOf(gateway, extra, { 'x-litellm-tags': tags });
    assert.equal(await viaHeader('free'), 'from free');
    assert.equal(await viaHeader(' paid , eu '), 'from paid');
    // Tags in the body win over the header's, as in LiteLLM.
    assert.equal(await viaHeader('paid', { tags: ['free'] }), 'from free');
  });

  it('routes untagged requests to the default deployments', async () => {
    for (let i = 0; i < 5; i++) assert.equal(await answerOf(gateway, {}), 'from default');
  });

  it('refuses tags no deployment has, naming them', async () => {
    const sdkError = await answerOf(gateway, { tags: ['gold'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(sdkError instanceof OpenAI.BadRequestError, String(sdkError));
    assert.match(
      sdkError.message,
      /due to tags configuration\. Passed model=gpt-tiered and tags=\['gold'\]/,
    );
  });

  it('with tag_filtering_match_any false, needs every tag of the request', async () => {
    assert.equal(await answerOf(strict, { tags: ['paid', 'eu'] }), 'from paid');
    const error = await answerOf(strict, { tags: ['paid', 'free'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    // Any one of them is enough by default.
    assert.match(await answerOf(gateway, { tags: ['paid', 'free'] }), /^from (paid|free)$/);
  });

  it('leaves routing alone without enable_tag_filtering', async () => {
    const plain = await gatewayWith({});
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await answerOf(plain, { tags: ['free'] }));
      assert.ok(seen.size > 1, `every deployment serves: ${[...seen].join(', ')}`);
    } finally {
      await plain.close();
    }
  });
});

describe("tag-based routing by a stored tag's models (/tag/new)", () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let api: AdminClient;
  const deployment = (id: string, answer: string) => ({
    model_name: 'gpt-tiered',
    litellm_params: { model: 'mock/gpt-tiered', mock_response: answer },
    model_info: { id },
  });

  before(async () => {
    const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');
    assert.ok(sqlite);
    opened = await sqlite.open();
    gateway = await startGateway(
      {
        model_list: [deployment('dep-a', 'from a'), deployment('dep-b', 'from b')],
        router_settings: { enable_tag_filtering: true },
        general_settings: { master_key: MASTER_KEY },
      },
      { store: opened.store },
    );
    api = adminClient(gateway.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
    await opened?.close();
  });

  const refusedFor = async (tag: string) => {
    const error = await answerOf(gateway, { metadata: { tags: [tag] } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.APIError, `a call tagged ${tag} was served`);
    assert.equal(error.status, 400);
    assert.match(error.message, /Not allowed to access model due to tags configuration/);
  };

  it("routes a tag's calls to the deployments its models name, by id or by model group", async () => {
    await refusedFor('team-b');
    const created = await api.post('/tag/new', { name: 'team-b', models: ['dep-b'] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    for (let i = 0; i < 6; i++) {
      assert.equal(await answerOf(gateway, { metadata: { tags: ['team-b'] } }), 'from b');
    }
    assert.equal(
      (await api.post('/tag/new', { name: 'everyone', models: ['gpt-tiered'] })).status,
      200,
    );
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++)
      answers.add(await answerOf(gateway, { metadata: { tags: ['everyone'] } }));
    assert.deepEqual([...answers].sort(), ['from a', 'from b']);
  });

  it("follows the tag's models as they change, and forgets a deleted tag", async () => {
    assert.equal(
      (await api.post('/tag/update', { name: 'team-b', models: ['dep-a'] })).status,
      200,
    );
    for (let i = 0; i < 4; i++) {
      assert.equal(await answerOf(gateway, { metadata: { tags: ['team-b'] } }), 'from a');
    }
    assert.equal((await api.post('/tag/delete', { name: 'team-b' })).status, 200);
    await refusedFor('team-b');
  });
});
