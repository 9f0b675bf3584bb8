/**
 * Provider and deployment budgets (LiteLLM's budget routing: `router_settings.provider_budget_config`
 * and `litellm_params.max_budget` / `budget_duration`) through a real gateway, with the official
 * OpenAI SDK as the client, on SQLite and PostgreSQL: a provider whose budget is spent is routed
 * around; with nothing left the call is refused with LiteLLM's 429 and message; the spend survives
 * a restart; `GET /provider/budgets` shows it; a bad config refuses to start with the path named.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { buildConfig } from '../src/config/load-config.js';
import { adminClient } from './helpers/admin-client.js';
import { eventually, replicaSet, TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { INPUT_PRICE, OUTPUT_PRICE, pricedModel, refusal } from './helpers/priced-models.js';
import type { Simulator } from './simulators/simulator-server.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const MESSAGES = [{ role: 'user' as const, content: 'Which provider answers?' }];

/** Group `chat`: a mock deployment (provider `mock`) and an OpenAI one, both priced. */
function config(openAiBase: string, extra: Record<string, unknown> = {}) {
  return {
    model_list: [
      { ...pricedModel('chat'), model_info: { id: 'mock-chat' } },
      {
        model_name: 'chat',
        litellm_params: {
          model: 'openai/gpt-4o-mini',
          api_base: openAiBase,
          api_key: 'sk-upstream',
          input_cost_per_token: INPUT_PRICE,
          output_cost_per_token: OUTPUT_PRICE,
        },
        model_info: { id: 'openai-chat' },
      },
      {
        ...pricedModel('solo', { max_budget: 0.000001, budget_duration: '1d' }),
        model_info: { id: 'solo-1' },
      },
      pricedModel('backup'),
    ],
    router_settings: {
      routing_strategy: 'simple-shuffle',
      // The mock provider's budget pays for its first call only.
      provider_budget_config: { mock: { budget_limit: 0.000001, time_period: '1d' } },
      fallbacks: [{ solo: ['backup'] }],
      ...extra,
    },
    general_settings: { master_key: MASTER_KEY },
  };
}

function client(gateway: TestGateway): OpenAI {
  return new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

async function ask(gateway: TestGateway, model: string) {
  const { data, response } = await client(gateway)
    .chat.completions.create({ model, messages: MESSAGES, max_tokens: 10 })
    .withResponse();
  return { answer: data, deployment: response.headers.get('x-litellm-model-id') };
}

for (const database of await testDatabases()) {
  describe(`provider and deployment budgets on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let upstream: Simulator;
    let gateway: TestGateway;

    before(async () => {
      opened = await database.open();
      upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
      gateway = await startGateway(config(`${upstream.url}/v1`), { store: opened.store });
    });
    after(async () => {
      await gateway?.close();
      await upstream?.close();
      await opened?.close();
    });

    it('routes around a provider whose budget is spent, and refuses when no deployment is left', async () => {
      // Until the mock provider has spent its budget, calls may go to either deployment.
      let served = await ask(gateway, 'chat');
      for (let i = 0; i < 20 && served.deployment !== 'mock-chat'; i++) {
        served = await ask(gateway, 'chat');
      }
      assert.equal(served.deployment, 'mock-chat', 'the mock deployment answered at some point');
      // From now on the mock provider's budget is spent: every call goes to OpenAI.
      for (let i = 0; i < 8; i++) {
        assert.equal((await ask(gateway, 'chat')).deployment, 'openai-chat');
      }
      // A group of mock deployments only has nothing left: LiteLLM's 429 and message.
      const error = await refusal(ask(gateway, 'backup'));
      assert.equal(error.status, 429);
      assert.match(
        error.message,
        /^429 No deployments available - crossed budget for provider: Exceeded budget for provider mock: [\d.e-]+ >= 1e-06$/,
      );
    });

    it('shows each provider budget with its spend and window in GET /provider/budgets', async () => {
      await gateway.app.ledger?.flush();
      const api = adminClient(gateway.url, MASTER_KEY);
      const r = await api.get('/provider/budgets');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const mock = (r.body.providers as Record<string, Record<string, unknown>>).mock!;
      assert.equal(mock.budget_limit, 0.000001);
      assert.equal(mock.time_period, '1d');
      assert.ok((mock.spend as number) >= 0.000001, `spend ${String(mock.spend)}`);
      // A 1d window ends at the next UTC midnight.
      const tomorrow = new Date();
      tomorrow.setUTCHours(24, 0, 0, 0);
      assert.equal(mock.budget_reset_at, tomorrow.toISOString());
    });

    it('reports the budget left of each provider in /metrics', async () => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      const match = /^litellm_provider_remaining_budget_metric\{api_provider="mock"\} (\S+)$/m.exec(
        text,
      );
      assert.ok(match, 'the gauge is exported');
      assert.ok(Number(match[1]) <= 0, `remaining ${match[1]}`);
    });

    it('keeps the spend across a restart: the provider is still routed around', async () => {
      await gateway.close();
      gateway = await startGateway(config(`${upstream.url}/v1`), { store: opened.store });
      for (let i = 0; i < 6; i++) {
        assert.equal((await ask(gateway, 'chat')).deployment, 'openai-chat');
      }
      const api = adminClient(gateway.url, MASTER_KEY);
      const r = await api.get('/provider/budgets');
      const mock = (r.body.providers as Record<string, Record<string, unknown>>).mock!;
      assert.ok((mock.spend as number) >= 0.000001, `spend after restart ${String(mock.spend)}`);
    });

    it("skips a deployment whose own budget is spent, and the group's fallbacks answer", async () => {
      // `solo` is a mock deployment too: the provider's budget is spent already, so its own
      // budget and its provider's both name it; the fallback group `backup` is mock as well.
      const error = await refusal(ask(gateway, 'solo'));
      assert.equal(error.status, 429);
      assert.match(error.message, /crossed budget for provider: Exceeded budget for provider mock/);
    });
  });
}

for (const database of await testDatabases()) {
  describe(
    `provider budgets across two replicas on ${database.name}`,
    { skip: database.skip },
    () => {
      let opened: OpenedTestStore;
      let upstream: Simulator;
      const replicas = replicaSet(() => opened);

      before(async () => {
        opened = await database.open();
        upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
      });
      after(async () => {
        await replicas.closeAll();
        await upstream?.close();
        await opened?.close();
      });

      it('routes around a provider on one replica once the other has spent its budget', async () => {
        const env = { REDIS_URL: TEST_REDIS_URL, TOLLGATE_REDIS_PREFIX: uniqueRedisPrefix() };
        const cfg = config(`${upstream.url}/v1`);
        const a = (await replicas.start(cfg, env)).gateway;
        const b = (await replicas.start(cfg, env)).gateway;
        // Replica A spends the mock provider's budget.
        let served = await ask(a, 'chat');
        for (let i = 0; i < 20 && served.deployment !== 'mock-chat'; i++)
          served = await ask(a, 'chat');
        assert.equal(served.deployment, 'mock-chat');
        // Replica B learns it from the store within a couple of seconds, then never uses mock.
        assert.ok(
          await eventually(async () => {
            const r = await adminClient(b.url, MASTER_KEY).get('/provider/budgets');
            const mock = (r.body.providers as Record<string, { spend: number }>).mock!;
            return mock.spend >= 0.000001;
          }),
          'replica B sees the spend of replica A',
        );
        for (let i = 0; i < 8; i++) assert.equal((await ask(b, 'chat')).deployment, 'openai-chat');
      });
    },
  );
}

describe('a deployment budget on its own', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway({
      model_list: [
        {
          ...pricedModel('solo', { max_budget: 0.000001, budget_duration: '30d' }),
          model_info: { id: 'solo-1' },
        },
        pricedModel('backup'),
      ],
      router_settings: { fallbacks: [{ solo: ['backup'] }] },
      general_settings: { master_key: MASTER_KEY },
    });
  });
  after(() => gateway?.close());

  it('serves its first call, then the fallback group answers; without one, LiteLLM 429', async () => {
    assert.equal((await ask(gateway, 'solo')).deployment, 'solo-1');
    const next = await ask(gateway, 'solo');
    assert.notEqual(next.deployment, 'solo-1', 'the fallback group answered');
    assert.ok(next.answer.choices[0]?.message.content);
  });

  it('names the deployment in the refusal when no fallback is left', async () => {
    const error = await refusal(
      client(gateway).chat.completions.create({
        model: 'solo',
        messages: MESSAGES,
        max_tokens: 10,
        fallbacks: [],
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    assert.equal(error.status, 429);
    assert.match(
      error.message,
      /^429 No deployments available - crossed budget for provider: Exceeded budget for deployment model_name: solo, litellm_params.model: mock\/solo, model_id: solo-1: [\d.e-]+ >= 1e-06$/,
    );
  });
});

describe('budget routing config', () => {
  const problems = (routerSettings: Record<string, unknown>, params: object = {}) => {
    try {
      buildConfig(
        {
          model_list: [{ model_name: 'm', litellm_params: { model: 'mock/m', ...params } }],
          router_settings: routerSettings,
        },
        {},
      );
      return '';
    } catch (error: unknown) {
      return error instanceof Error ? error.message : String(error);
    }
  };

  it('refuses an unknown provider, a missing amount and an unreadable period, naming the path', () => {
    assert.match(
      problems({ provider_budget_config: { opnai: { budget_limit: 1, time_period: '1d' } } }),
      /router_settings\.provider_budget_config\.opnai: unknown provider "opnai" \(did you mean "openai"\?\)/,
    );
    assert.match(
      problems({ provider_budget_config: { openai: { time_period: '1d' } } }),
      /router_settings\.provider_budget_config\.openai: budget_limit is required/,
    );
    assert.match(
      problems({ provider_budget_config: { openai: { budget_limit: 1, time_period: 'soon' } } }),
      /router_settings\.provider_budget_config\.openai\.time_period: .*soon/,
    );
    assert.match(problems({}, { max_budget: -1 }), /model_list\[0\]\.litellm_params\.max_budget/);
    assert.match(
      problems({}, { max_budget: 1, budget_duration: '2 weeks' }),
      /model_list\[0\]\.litellm_params\.budget_duration/,
    );
  });

  it("accepts LiteLLM's BudgetConfig field names and starts without a warning for them", () => {
    const built = buildConfig(
      {
        model_list: [
          {
            model_name: 'm',
            litellm_params: { model: 'mock/m', max_budget: 5, budget_duration: '1mo' },
          },
        ],
        router_settings: {
          provider_budget_config: { openai: { max_budget: 100, budget_duration: '1d' } },
        },
      },
      {},
    );
    assert.deepEqual(built.router.providerBudgets?.get('openai'), {
      maxBudget: 100,
      duration: '1d',
    });
    assert.deepEqual(built.deployments[0]?.budget, { maxBudget: 5, duration: '1mo' });
    assert.ok(!built.warnings.some((w) => /budget/.test(w)), built.warnings.join('\n'));
  });
});
