/**
 * LiteLLM's response cache (`litellm_settings.cache: true`) with the official openai SDK: the
 * same non-streaming chat or embedding call twice reaches the provider once, the second answer is
 * the first byte for byte, costs nothing and is booked with `cache_hit`; the request's `cache`
 * controls (no-cache, no-store, ttl, s-maxage, namespace, use-cache) steer it and never reach the
 * provider; in Redis, replicas share it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { replicaSet, TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { gatewayOnSqlite } from './helpers/sqlite-gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const upstream = await startOpenAiSimulator({ apiKey: 'sk-openai-upstream' });
after(() => upstream.close());

const models = [
  {
    model_name: 'gpt-4o',
    litellm_params: {
      model: 'openai/gpt-4o',
      api_base: `${upstream.url}/v1`,
      api_key: 'sk-openai-upstream',
    },
  },
  {
    model_name: 'gpt-4o-mini',
    litellm_params: {
      model: 'openai/gpt-4o-mini',
      api_base: `${upstream.url}/v1`,
      api_key: 'sk-openai-upstream',
    },
  },
  {
    model_name: 'embedder',
    litellm_params: {
      model: 'openai/text-embedding-3-small',
      api_base: `${upstream.url}/v1`,
      api_key: 'sk-openai-upstream',
    },
  },
];

const configWith = (cacheParams?: Record<string, unknown>) => ({
  model_list: models,
  general_settings: { master_key: MASTER_KEY },
  litellm_settings: { cache: true, ...(cacheParams && { cache_params: cacheParams }) },
});

const question = (text: string) => [{ role: 'user' as const, content: text }];

/** Requests the simulator has seen for chat completions. */
const chatCalls = () => upstream.requests.filter((r) => r.path === '/v1/chat/completions').length;

describe('response cache in this process', () => {
  const fixture = gatewayOnSqlite(configWith());
  const client = () =>
    new OpenAI({ apiKey: MASTER_KEY, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
  const ask = (text: string, extra: Record<string, unknown> = {}) =>
    client()
      .chat.completions.create({ model: 'gpt-4o-mini', messages: question(text), ...extra })
      .withResponse();

  it('answers the same call from the cache: once to the provider, the same answer, at no cost', async () => {
    upstream.reset();
    const first = await ask('What is a toll gate?', { temperature: 0.2 });
    const second = await ask('What is a toll gate?', { temperature: 0.2 });
    assert.equal(chatCalls(), 1);
    assert.deepEqual(second.data, first.data, 'the kept answer, id and all');
    assert.equal(first.response.headers.get('x-litellm-cache-key'), null);
    const key = second.response.headers.get('x-litellm-cache-key');
    assert.match(key ?? '', /^[0-9a-f]{64}$/);
    assert.ok(Number(first.response.headers.get('x-litellm-response-cost')) > 0);
    assert.equal(second.response.headers.get('x-litellm-response-cost'), '0');
    await fixture.gateway.app.ledger?.flush();
    const rows = async (response: Response) => {
      const logs = await fixture.api.get(
        `/spend/logs?request_id=${response.headers.get('x-litellm-call-id')}`,
      );
      return (Array.isArray(logs.body) ? logs.body : logs.body.data) as {
        cache_hit: string;
        cache_key: string;
        spend: number;
      }[];
    };
    const [miss] = await rows(first.response);
    const [hit] = await rows(second.response);
    assert.equal(miss?.cache_hit, 'False');
    assert.ok((miss?.spend ?? 0) > 0);
    assert.equal(hit?.cache_hit, 'True');
    assert.equal(hit?.cache_key, key);
    assert.equal(hit?.spend, 0);
  });

  it('keys on what shapes the answer: key order does not matter, a parameter does', async () => {
    upstream.reset();
    const raw = (body: string) =>
      fetch(`${fixture.gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body,
      });
    const a = await raw(
      '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"order?"}],"max_tokens":20}',
    );
    const b = await raw(
      '{"max_tokens":20,"messages":[{"content":"order?","role":"user"}],"model":"gpt-4o-mini"}',
    );
    assert.equal(a.status, 200);
    assert.equal(b.headers.get('x-litellm-cache-key') !== null, true, 'same request, other order');
    await ask('order?', { max_tokens: 21 });
    assert.equal(chatCalls(), 2, 'another max_tokens is another answer');
  });

  it("keeps no answer cut short by a budget, nor a fallback's, and keys on where a key's aliases lead", async () => {
    upstream.reset();
    // A budget that can pay only a few output tokens lowers max_tokens: that answer is not kept.
    const poor = await fixture.api.post('/key/generate', { max_budget: 0.00002 });
    const poorClient = new OpenAI({
      apiKey: poor.body.key as string,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    await poorClient.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: question('cut me short'),
    });
    const afterPoor = await ask('cut me short');
    assert.equal(afterPoor.response.headers.get('x-litellm-cache-key'), null);
    assert.equal(chatCalls(), 2);
    // An alias of one key is not another key's model.
    const aliased = await fixture.api.post('/key/generate', {
      aliases: { 'gpt-4o-mini': 'gpt-4o' },
    });
    await ask('alias me');
    const calls = chatCalls();
    const other = await new OpenAI({
      apiKey: aliased.body.key as string,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'gpt-4o-mini', messages: question('alias me') })
      .withResponse();
    assert.equal(other.response.headers.get('x-litellm-cache-key'), null);
    assert.equal(chatCalls(), calls + 1);
    assert.equal((upstream.requests.at(-1)?.body as { model: string }).model, 'gpt-4o');
  });

  it('counts hits, misses and cached tokens in /metrics, by model group', async () => {
    await ask('count me');
    await ask('count me');
    const metrics = await (await fetch(`${fixture.gateway.url}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{model="gpt-4o-mini"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(value('litellm_cache_hits_metric') >= 1, metrics);
    assert.ok(value('litellm_cache_misses_metric') >= 1);
    assert.ok(value('litellm_cached_tokens_metric') > 0);
  });

  it('caches embeddings too', async () => {
    upstream.reset();
    const embed = () =>
      client()
        .embeddings.create({ model: 'embedder', input: ['cache me'] })
        .withResponse();
    const first = await embed();
    const second = await embed();
    assert.deepEqual(second.data.data, first.data.data);
    assert.equal(upstream.requests.filter((r) => r.path === '/v1/embeddings').length, 1);
    assert.ok(second.response.headers.get('x-litellm-cache-key'));
  });

  it("follows the request's cache controls, which never reach the provider", async () => {
    upstream.reset();
    await ask('controls', { cache: { 'no-store': true } });
    await ask('controls');
    assert.equal(chatCalls(), 2, 'no-store kept nothing: the next call asked the provider');
    assert.equal(
      upstream.requests.at(-1)?.body && 'cache' in (upstream.requests.at(-1)?.body as object),
      false,
    );
    const fresh = await ask('controls', { cache: { 'no-cache': true } });
    assert.equal(chatCalls(), 3, 'no-cache did not read');
    assert.equal(fresh.response.headers.get('x-litellm-cache-key'), null);
    const hit = await ask('controls');
    assert.ok(hit.response.headers.get('x-litellm-cache-key'), 'but no-cache stored its answer');
    assert.equal(chatCalls(), 3);
    await ask('controls', { cache: { namespace: 'team-a' } });
    assert.equal(chatCalls(), 4, 'a namespace of its own starts empty');
    const scoped = await ask('controls', { cache: { namespace: 'team-a' } });
    assert.match(scoped.response.headers.get('x-litellm-cache-key') ?? '', /^team-a:/);
    await sleep(30);
    await ask('controls', { cache: { 's-maxage': 0.01 } });
    assert.equal(chatCalls(), 5, 'an answer older than s-maxage is not taken');
    await ask('short-lived', { cache: { ttl: 0.2 } });
    await ask('short-lived');
    assert.equal(chatCalls(), 6);
    await sleep(300);
    await ask('short-lived');
    assert.equal(chatCalls(), 7, 'the answer kept for 0.2 s is gone');
  });

  it('replays a streamed answer to the same streamed request, and keeps streams apart from JSON', async () => {
    upstream.reset();
    const stream = async (text: string, usage = false) => {
      const { data, response } = await client()
        .chat.completions.create({
          model: 'gpt-4o-mini',
          messages: question(text),
          stream: true,
          ...(usage && { stream_options: { include_usage: true } }),
        })
        .withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of data) chunks.push(chunk);
      return { chunks, response };
    };
    const first = await stream('stream me');
    const second = await stream('stream me');
    assert.equal(chatCalls(), 1);
    assert.deepEqual(second.chunks, first.chunks, 'the same events, in order');
    assert.ok(second.response.headers.get('x-litellm-cache-key'));
    assert.equal(second.response.headers.get('x-litellm-response-cost'), null);
    const withUsage = await stream('stream me', true);
    assert.equal(chatCalls(), 2, 'asking for usage is another answer');
    assert.ok(withUsage.chunks.at(-1)?.usage);
    const again = await stream('stream me', true);
    assert.deepEqual(again.chunks.at(-1)?.usage, withUsage.chunks.at(-1)?.usage);
    assert.equal(chatCalls(), 2);
    await ask('stream me');
    assert.equal(chatCalls(), 3, 'a JSON answer is not made from kept events');
  });

  it('leaves the cache alone for a call with caching: false', async () => {
    upstream.reset();
    const client = new OpenAI({
      apiKey: MASTER_KEY,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    const ask = (extra: Record<string, unknown>) =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: question('not from the cache'),
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await ask({ caching: false });
    await ask({});
    assert.equal(chatCalls(), 2, 'the first answer was not kept');
    await ask({ caching: false });
    assert.equal(chatCalls(), 3, 'nor read from the cache');
    await ask({});
    assert.equal(chatCalls(), 3, 'the others still are');
    assert.equal(
      upstream.requests.at(-1)?.body && 'caching' in (upstream.requests.at(-1)!.body as object),
      false,
    );
  });

  it('refuses malformed controls', async () => {
    for (const [cache, param] of [
      ['yes', 'cache'],
      [{ ttl: -1 }, 'cache.ttl'],
      [{ 'no-cache': 'true' }, 'cache.no-cache'],
      [{ forever: true }, 'cache.forever'],
    ] as const) {
      await assert.rejects(
        ask('bad control', { cache }),
        (e: unknown) =>
          e instanceof OpenAI.APIError && e.status === 400 && e.message.includes(param),
      );
    }
  });

  it('answers /cache/ping and drops kept answers on /cache/delete', async () => {
    const ping = await fixture.api.get('/cache/ping');
    assert.equal(ping.status, 200);
    assert.equal(ping.body.status, 'healthy');
    assert.equal(ping.body.cache_type, 'local');
    upstream.reset();
    await ask('forget me');
    const hit = await ask('forget me');
    const key = hit.response.headers.get('x-litellm-cache-key');
    assert.ok(key);
    const deleted = await fixture.api.post('/cache/delete', { keys: [key] });
    assert.deepEqual(deleted.body, { status: 'success' });
    await ask('forget me');
    assert.equal(chatCalls(), 2, 'the deleted answer was asked for again');
    const bad = await fixture.api.post('/cache/delete', { keys: [] });
    assert.equal(bad.status, 400);
  });

  it('counts a cached answer against rate limits and budgets like any call', async () => {
    const made = await fixture.api.post('/key/generate', { rpm_limit: 2 });
    const keyed = new OpenAI({
      apiKey: made.body.key as string,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    const call = () =>
      keyed.chat.completions.create({ model: 'gpt-4o-mini', messages: question('limited') });
    await call();
    await call();
    await assert.rejects(call(), (e: unknown) => e instanceof OpenAI.APIError && e.status === 429);
  });
});

describe('response cache, default_off', () => {
  const fixture = gatewayOnSqlite(configWith({ type: 'local', mode: 'default_off' }));
  it('caches only the calls that ask with use-cache', async () => {
    upstream.reset();
    const client = new OpenAI({
      apiKey: MASTER_KEY,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    const ask = (extra: Record<string, unknown>) =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: question('opt in'),
        ...extra,
      });
    await ask({});
    await ask({});
    assert.equal(chatCalls(), 2);
    await ask({ cache: { 'use-cache': true } });
    await ask({ cache: { 'use-cache': true } });
    assert.equal(chatCalls(), 3);
    // LiteLLM's `caching: true` opts in too, to the same kept answer.
    await ask({ caching: true });
    assert.equal(chatCalls(), 3);
  });
});

describe('without litellm_settings.cache', () => {
  const fixture = gatewayOnSqlite({
    model_list: models,
    general_settings: { master_key: MASTER_KEY },
  });
  it('caches nothing, strips the cache controls, and the cache routes answer 503', async () => {
    upstream.reset();
    const client = new OpenAI({
      apiKey: MASTER_KEY,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    for (let i = 0; i < 2; i++) {
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: question('no cache here'),
        cache: { ttl: 60 },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    }
    assert.equal(chatCalls(), 2);
    assert.equal('cache' in (upstream.requests.at(-1)?.body as object), false);
    assert.equal((await fixture.api.get('/cache/ping')).status, 503);
    assert.equal((await fixture.api.post('/cache/delete', { keys: ['x'] })).status, 503);
  });
});

describe('response cache in a Redis that does not answer', () => {
  const fixture = gatewayOnSqlite(configWith({ type: 'redis', host: '127.0.0.1', port: 1 }));
  it('calls the provider every time, answers every call, and /cache/ping says so', async () => {
    upstream.reset();
    const client = new OpenAI({
      apiKey: MASTER_KEY,
      baseURL: `${fixture.gateway.url}/v1`,
      maxRetries: 0,
    });
    for (let i = 0; i < 2; i++) {
      const answer = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: question('redis is down'),
      });
      assert.ok(answer.choices[0]?.message.content);
    }
    assert.equal(chatCalls(), 2);
    const ping = await fixture.api.get('/cache/ping');
    assert.equal(ping.status, 503);
  });
});

for (const database of await testDatabases()) {
  describe(
    `response cache in Redis, two replicas on ${database.name}`,
    { skip: database.skip },
    () => {
      let opened: OpenedTestStore;
      const replicas = replicaSet(() => opened);
      before(async () => {
        opened = await database.open();
      });
      after(async () => {
        await replicas.closeAll();
        await opened?.close();
      });

      it('answers on one replica what the other asked', async () => {
        const url = new URL(TEST_REDIS_URL);
        const prefix = uniqueRedisPrefix();
        const config = configWith({
          type: 'redis',
          host: url.hostname,
          port: Number(url.port || 6379),
          namespace: `${prefix}cache`,
          ttl: 60,
        });
        const env = { TOLLGATE_REDIS_PREFIX: prefix };
        const a = await replicas.start(config, env);
        const b = await replicas.start(config, env);
        upstream.reset();
        const ask = (gateway: typeof a.gateway) =>
          new OpenAI({
            apiKey: MASTER_KEY,
            baseURL: `${gateway.url}/v1`,
            maxRetries: 0,
          }).chat.completions
            .create({ model: 'gpt-4o-mini', messages: question(`shared ${prefix}`) })
            .withResponse();
        const first = await ask(a.gateway);
        const second = await ask(b.gateway);
        assert.equal(chatCalls(), 1);
        assert.deepEqual(second.data, first.data);
        assert.match(
          second.response.headers.get('x-litellm-cache-key') ?? '',
          new RegExp(`^${prefix}cache:`),
        );
      });
    },
  );
}
