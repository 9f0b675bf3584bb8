/**
 * Virtual keys on the request path, on every database: the official openai SDK with a key that
 * may use some models, LiteLLM's refusals (conformance cases 2–14, 79), key ∩ team ∩ user model
 * access, access groups, wildcards and aliases routed to their target, and a warm cache that
 * never asks the store.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Store } from '../src/store/store.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { memberRecord, teamRecord, userRecord } from './helpers/records.js';
import { simulatedAnswer, startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

/** The store with every repository call counted. */
function counted(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrap = <T extends object>(repository: T): T =>
    new Proxy(repository, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return {
    store: { ...store, keys: wrap(store.keys), users: wrap(store.users), teams: wrap(store.teams) },
    calls: () => calls,
  };
}

for (const database of await testDatabases()) {
  describe(`virtual keys on the request path on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let upstream: Simulator;
    let gateway: TestGateway;
    let api: AdminClient;
    let storeCalls: () => number;
    let clock = Date.now();

    const generate = async (body: Record<string, unknown>): Promise<string> => {
      const { status, body: made } = await api.post('/key/generate', body);
      assert.equal(status, 200, JSON.stringify(made));
      return made.key as string;
    };

    before(async () => {
      opened = await database.open();
      upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
      const openai = (model: string) => ({
        model: `openai/${model}`,
        api_base: `${upstream.url}/v1`,
        api_key: 'sk-upstream',
      });
      const { users, teams } = opened.store;
      await users.create(userRecord({ user_id: 'narrow-user', models: ['gpt-4o-mini'] }));
      await users.create(userRecord({ user_id: 'team-user', models: ['no-default-models'] }));
      await teams.create(teamRecord({ team_id: 'open-team', models: ['all-proxy-models'] }));
      await teams.create(
        teamRecord({
          team_id: 'mini-team',
          models: ['gpt-4o-mini'],
          model_aliases: { 'team-fast': 'gpt-4o-mini' },
        }),
      );
      await teams.create(teamRecord({ team_id: 'blocked-team', blocked: true }));
      await teams.addMember(memberRecord({ team_id: 'mini-team', user_id: 'team-user' }));
      const { store, calls } = counted(opened.store);
      storeCalls = calls;
      gateway = await startGateway(
        {
          model_list: [
            { model_name: 'gpt-4o-mini', litellm_params: openai('gpt-4o-mini') },
            {
              model_name: 'gpt-4o',
              litellm_params: openai('gpt-4o'),
              model_info: { access_groups: ['beta'] },
            },
            {
              model_name: 'claude',
              litellm_params: { model: 'mock/claude' },
              model_info: { access_groups: ['beta'] },
            },
            { model_name: 'mistral', litellm_params: { model: 'mock/mistral' } },
          ],
          general_settings: { master_key: MASTER_KEY },
        },
        { store, now: () => clock },
      );
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await upstream?.close();
      await opened?.close();
    });
    beforeEach(() => upstream.reset());

    describe('with the openai SDK', () => {
      let client: OpenAI;
      before(async () => {
        const key = await generate({ models: ['gpt-4o-mini'] });
        client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
      });

      it('(case 2) chats with a model the key may use', async () => {
        const response = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hello virtual key' }],
        });
        assert.equal(response.choices[0]?.message.content, simulatedAnswer('hello virtual key'));
        assert.equal(upstream.requests[0]?.headers.authorization, 'Bearer sk-upstream');
      });

      it('streams with it', async () => {
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'stream it' }],
          stream: true,
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        assert.equal(text, simulatedAnswer('stream it'));
      });

      it('(case 7) is refused another model: 401 key_model_access_denied, nothing sent upstream', async () => {
        await assert.rejects(
          client.chat.completions.create({
            model: 'gpt-4o',
            messages: [{ role: 'user', content: 'x' }],
          }),
          (e: unknown) => {
            assert.ok(e instanceof OpenAI.AuthenticationError);
            assert.equal(e.status, 401);
            assert.equal(e.type, 'key_model_access_denied');
            assert.equal(e.param, 'model');
            assert.match(
              e.message,
              /key not allowed to access model\. This key can only access models=\['gpt-4o-mini'\]\. Tried to access gpt-4o/,
            );
            return true;
          },
        );
        assert.equal(upstream.requests.length, 0);
      });

      it('(case 79) lists exactly the models it may use', async () => {
        const models = await client.models.list();
        assert.deepEqual(
          models.data.map((m) => ({ ...m })),
          [{ id: 'gpt-4o-mini', object: 'model', created: 1677610602, owned_by: 'openai' }],
        );
        const info = await api.get('/model/info', client.apiKey ?? '');
        assert.deepEqual(
          info.body.data.map((d: { model_name: string }) => d.model_name),
          ['gpt-4o-mini'],
        );
      });
    });

    describe('refusals', () => {
      it('(case 3) an unknown sk- key: 401 token_not_found_in_db', async () => {
        const { status, body } = await api.chat('gpt-4o-mini', 'sk-126666');
        assert.equal(status, 401);
        assert.equal(body.error.type, 'token_not_found_in_db');
        assert.equal(body.error.param, 'key');
        assert.match(
          body.error.message,
          /^Authentication Error, Invalid proxy server token passed\. Received API Key = sk-\.\.\.6666, Key Hash \(Token\) =[0-9a-f]{64}\. Unable to find token in cache or `LiteLLM_VerificationTokenTable`$/,
        );
      });

      it('(case 4, 5) a key without sk-, or none: 401', async () => {
        const plain = await api.chat('gpt-4o-mini', 'abc123');
        assert.equal(plain.status, 401);
        assert.match(
          plain.body.error.message,
          /LiteLLM Virtual Key expected\. Received=.*expected to start with 'sk-'/,
        );
        const none = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          body: '{}',
        });
        assert.equal(none.status, 401);
        assert.match(
          ((await none.json()) as { error: { message: string } }).error.message,
          /No api key passed in\./,
        );
      });

      it('(case 6) x-litellm-api-key and Authorization: Basic carry a virtual key too', async () => {
        const key = await generate({});
        for (const headers of [
          { 'x-litellm-api-key': key },
          { authorization: `Basic ${key}` },
        ] as Record<string, string>[]) {
          const r = await fetch(`${gateway.url}/v1/models`, { headers });
          assert.equal(r.status, 200, JSON.stringify(headers));
        }
      });

      it('(case 13) a key past its duration: 401 expired_key; (case 14) none: never', async () => {
        const short = await generate({ duration: '1s' });
        const forever = await generate({});
        assert.equal((await api.chat('mistral', short)).status, 200);
        clock += 2000;
        const expired = await api.chat('mistral', short);
        assert.equal(expired.status, 401);
        assert.equal(expired.body.error.type, 'expired_key');
        assert.match(
          expired.body.error.message,
          /^Authentication Error - Expired Key\. Key Expiry time .+ and current time .+$/,
        );
        clock += 10 * 365 * 86_400_000;
        assert.equal((await api.chat('mistral', forever)).status, 200);
        clock = Date.now();
      });

      it('a key of a blocked team: 401', async () => {
        const key = await generate({ team_id: 'blocked-team' });
        const { status, body } = await api.chat('mistral', key);
        assert.equal(status, 401);
        assert.equal(
          body.error.message,
          "Authentication Error, Team=blocked-team is blocked. Update via `/team/unblock` if you're an admin.",
        );
      });
    });

    describe('model access', () => {
      it('(case 8) a key listing a model passes auth for it', async () => {
        const key = await generate({ models: ['mistral'] });
        assert.equal((await api.chat('mistral', key)).status, 200);
        const unknown = await generate({ models: ['not-configured'] });
        const r = await api.chat('not-configured', unknown);
        assert.equal(r.status, 400, 'past auth, the router does not know it');
        assert.match(r.body.error.message, /^Invalid model name passed in model=not-configured/);
      });

      it('(case 9) all-team-models in an all-proxy-models team reaches everything', async () => {
        const { body } = await api.post('/key/generate', {
          team_id: 'open-team',
          models: ['all-team-models'],
        });
        for (const model of ['gpt-4o-mini', 'gpt-4o', 'claude', 'mistral']) {
          assert.equal((await api.chat(model, body.key)).status, 200, model);
        }
        assert.deepEqual((await api.get(`/key/info?key=${body.key}`)).body.info.models, [
          'all-team-models',
        ]);
      });

      it('(case 10) a team list limits a key that lists none', async () => {
        const key = await generate({ team_id: 'mini-team' });
        assert.equal((await api.chat('gpt-4o-mini', key)).status, 200);
        const r = await api.chat('gpt-4', key);
        assert.equal(r.status, 401);
        assert.equal(r.body.error.type, 'team_model_access_denied');
        assert.equal(
          r.body.error.message,
          "Team not allowed to access model. Team=mini-team, Model=gpt-4. Allowed team models = ['gpt-4o-mini']",
        );
      });

      it("(case 11) an access group grants its models; a user's own list limits personal keys", async () => {
        const beta = await generate({ models: ['beta'] });
        assert.equal((await api.chat('gpt-4o', beta)).status, 200);
        assert.equal((await api.chat('claude', beta)).status, 200);
        assert.equal((await api.chat('mistral', beta)).status, 401);
        const personal = await generate({ user_id: 'narrow-user' });
        assert.equal((await api.chat('gpt-4o-mini', personal)).status, 200);
        const r = await api.chat('gpt-4o', personal);
        assert.equal(r.status, 401);
        assert.equal(r.body.error.type, 'user_model_access_denied');
      });

      it('no-default-models: only team keys reach models', async () => {
        const personal = await generate({ user_id: 'team-user' });
        assert.equal((await api.chat('gpt-4o-mini', personal)).status, 401);
        const teamKey = await generate({ user_id: 'team-user', team_id: 'mini-team' });
        assert.equal((await api.chat('gpt-4o-mini', teamKey)).status, 200);
      });

      it('provider/* on a key allows the groups served by that provider', async () => {
        const key = await generate({ models: ['openai/*'] });
        assert.equal((await api.chat('gpt-4o', key)).status, 200);
        assert.equal((await api.chat('mistral', key)).status, 401);
        const models = await api.get('/v1/models', key);
        assert.deepEqual(
          models.body.data.map((m: { id: string }) => m.id),
          ['gpt-4o-mini', 'gpt-4o'],
        );
      });

      it('(case 12) a key alias is routed to its target', async () => {
        const key = await generate({
          aliases: { 'my-gpt': 'gpt-4o-mini' },
          models: ['gpt-4o-mini'],
        });
        const r = await api.chat('my-gpt', key);
        assert.equal(r.status, 200);
        assert.equal((upstream.requests[0]?.body as { model: string }).model, 'gpt-4o-mini');
      });

      it('a team model_alias is routed to its target, and access is checked on the target', async () => {
        const key = await generate({ team_id: 'mini-team' });
        assert.equal((await api.chat('team-fast', key)).status, 200);
        assert.equal((upstream.requests[0]?.body as { model: string }).model, 'gpt-4o-mini');
        const sneaky = await generate({
          team_id: 'mini-team',
          aliases: { 'gpt-4o-mini': 'gpt-4o' },
        });
        const r = await api.chat('gpt-4o-mini', sneaky);
        assert.equal(r.status, 401, 'an alias cannot reach what the team does not allow');
        assert.equal(r.body.error.type, 'team_model_access_denied');
      });

      it('/v1/messages refuses a model the key may not use, in Anthropic’s shape', async () => {
        const key = await generate({ models: ['gpt-4o-mini'] });
        const r = await fetch(`${gateway.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'claude',
            max_tokens: 10,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        assert.equal(r.status, 401);
        const body = (await r.json()) as { type: string; error: { message: string } };
        assert.equal(body.type, 'error');
        assert.match(body.error.message, /key not allowed to access model/);
      });
    });

    describe('the cache', () => {
      it('a warm key never touches the store', async () => {
        const key = await generate({ models: ['mistral'] });
        assert.equal((await api.chat('mistral', key)).status, 200);
        const before = storeCalls();
        for (let i = 0; i < 20; i++) assert.equal((await api.chat('mistral', key)).status, 200);
        assert.equal((await api.get('/v1/models', key)).status, 200);
        assert.equal(storeCalls(), before);
      });

      it('an unknown key is looked up once, then answered from memory', async () => {
        await api.chat('mistral', 'sk-repeatedly-wrong');
        const before = storeCalls();
        for (let i = 0; i < 10; i++)
          assert.equal((await api.chat('mistral', 'sk-repeatedly-wrong')).status, 401);
        assert.equal(storeCalls(), before);
      });

      it('a key used (and so cached as unknown) before it exists works once created', async () => {
        const chosen = 'sk-chosen-before-it-existed';
        assert.equal((await api.chat('mistral', chosen)).status, 401);
        await generate({ key: chosen });
        assert.equal((await api.chat('mistral', chosen)).status, 200);
      });
    });
  });
}

describe('without a database', () => {
  let gateway: TestGateway;
  let api: AdminClient;
  before(async () => {
    gateway = await startGateway({
      model_list: [{ model_name: 'mistral', litellm_params: { model: 'mock/mistral' } }],
      general_settings: { master_key: MASTER_KEY },
    });
    api = adminClient(gateway.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
  });

  it('(case 80) the master key works; another sk- key: 400 no_db_connection', async () => {
    assert.equal((await api.chat('mistral')).status, 200);
    const r = await api.chat('mistral', 'sk-some-virtual-key');
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error, {
      message: 'No connected db.',
      type: 'no_db_connection',
      param: null,
      code: '400',
    });
  });

  it('management routes answer LiteLLM’s no-db errors; readiness says Not connected', async () => {
    const generate = await api.post('/key/generate', {});
    assert.equal(generate.status, 500);
    assert.equal(
      generate.body.error.message,
      'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys',
    );
    for (const r of [
      await api.get('/key/list'),
      await api.get('/key/info?key=sk-x'),
      await api.post('/key/delete', { keys: ['x'] }),
    ]) {
      assert.equal(r.status, 500);
      assert.match(
        r.body.error.message,
        /^Database not connected\. Connect a database to your proxy/,
      );
    }
    const ready = await api.get('/health/readiness');
    assert.equal(ready.body.db, 'Not connected');
  });
});

describe('without a master key', () => {
  it('(case 80) every request is let in, whatever key it carries', async () => {
    const gateway = await startGateway({
      model_list: [{ model_name: 'mistral', litellm_params: { model: 'mock/mistral' } }],
    });
    try {
      const api = adminClient(gateway.url, 'sk-anything');
      assert.equal((await api.chat('mistral')).status, 200);
      assert.equal((await api.chat('mistral', 'garbage')).status, 200);
    } finally {
      await gateway.close();
    }
  });
});
