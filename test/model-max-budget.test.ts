/**
 * A key's `model_max_budget` (LiteLLM's per-model budgets of a virtual key) through a real
 * gateway, with the official OpenAI SDK as the client, on SQLite and PostgreSQL: one model's
 * budget spent refuses that model only, in LiteLLM's words; the spend survives a restart and a
 * regeneration; windows of `time_period` reset it; concurrent calls never overspend it; bad
 * entries are refused with the field named and change nothing.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  INPUT_PRICE,
  MAX_TOKENS,
  OUTPUT_PRICE,
  oneCallBudget,
  pricedModel,
  refusal,
} from './helpers/priced-models.js';

const CONFIG = {
  model_list: ['gpt-4o-mini', 'gpt-4o', 'openai/gpt-4.1'].map((name) =>
    pricedModel(name, { mock_latency_ms: 5 }),
  ),
  general_settings: { master_key: MASTER_KEY },
};

const MESSAGES = [{ role: 'user' as const, content: 'How much is a cup of tea?' }];

function client(gateway: TestGateway, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

const oneCall = (model: string) => oneCallBudget(model, MESSAGES);

for (const database of await testDatabases()) {
  describe(`model_max_budget on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function newKey(body: Record<string, unknown>): Promise<{ key: string; token: string }> {
      const r = await api.post('/key/generate', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { key: r.body.key as string, token: r.body.token as string };
    }

    function ask(key: string, model: string, extra: Record<string, unknown> = {}) {
      return client(gateway, key).chat.completions.create({
        model,
        messages: MESSAGES,
        max_tokens: MAX_TOKENS,
        ...extra,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    }

    it('refuses a model whose budget is spent after one call, and still serves the others', async () => {
      const { key, token } = await newKey({
        key_alias: `per-model-${database.name}`,
        model_max_budget: {
          'gpt-4o-mini': { budget_limit: String(oneCall('gpt-4o-mini')), time_period: '1d' },
        },
      });
      const first = await ask(key, 'gpt-4o-mini');
      assert.ok(first.usage && first.usage.total_tokens > 0);

      const error = await refusal(ask(key, 'gpt-4o-mini'));
      assert.equal(error.status, 429);
      assert.equal((error.error as { type?: string }).type, 'budget_exceeded');
      assert.match(error.message, /exceeded budget for model=gpt-4o-mini/);
      assert.match(error.message, new RegExp(`LiteLLM Virtual Key: ${token}`));
      assert.match(error.message, /key_alias: per-model-/);

      const other = await ask(key, 'gpt-4o');
      assert.equal(other.object, 'chat.completion');
    });

    it('counts a streamed call from its final usage', async () => {
      const { key } = await newKey({
        model_max_budget: {
          'gpt-4o-mini': { budget_limit: oneCall('gpt-4o-mini'), time_period: '1d' },
        },
      });
      const stream = await client(gateway, key).chat.completions.create({
        model: 'gpt-4o-mini',
        messages: MESSAGES,
        max_tokens: MAX_TOKENS,
        stream: true,
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.ok(text.length > 0);
      const error = await refusal(ask(key, 'gpt-4o-mini'));
      assert.match(error.message, /exceeded budget for model=gpt-4o-mini/);
    });

    it("takes a plain amount per model, as older LiteLLM and the VirtualKey resource send, in the key's window", async () => {
      const { key, token } = await newKey({
        budget_duration: '1d',
        model_max_budget: { 'gpt-4o-mini': String(oneCall('gpt-4o-mini')) },
      });
      await ask(key, 'gpt-4o-mini');
      const error = await refusal(ask(key, 'gpt-4o-mini'));
      assert.match(error.message, /exceeded budget for model=gpt-4o-mini/);
      assert.equal((await ask(key, 'gpt-4o')).object, 'chat.completion');
      await gateway.app.ledger?.flush();
      const info = await api.get(`/key/info?key=${key}`);
      const [row] = await opened.store.keys.findModelSpend(token);
      assert.equal(row?.budget_reset_at, info.body.info.budget_reset_at, "the key's window");
      assert.deepEqual(info.body.info.model_max_budget_usage, {
        'gpt-4o-mini': {
          current_spend: row?.spend,
          budget_limit: oneCall('gpt-4o-mini'),
          time_period: '1d',
        },
      });
    });

    it('holds a model asked for with a provider prefix to the entry of its bare name', async () => {
      const { key } = await newKey({
        model_max_budget: {
          'gpt-4.1': { budget_limit: oneCall('openai/gpt-4.1'), time_period: '1d' },
        },
      });
      await ask(key, 'openai/gpt-4.1');
      const error = await refusal(ask(key, 'openai/gpt-4.1'));
      assert.match(error.message, /exceeded budget for model=openai\/gpt-4.1/);
    });

    it('stores the spend: a restarted gateway and a regenerated key still refuse the model', async () => {
      const { key, token } = await newKey({
        model_max_budget: {
          'gpt-4o-mini': { budget_limit: oneCall('gpt-4o-mini'), time_period: '1d' },
        },
      });
      await ask(key, 'gpt-4o-mini');
      await gateway.close();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);

      const rows = await opened.store.keys.findModelSpend(token);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.model, 'gpt-4o-mini');
      assert.ok(rows[0]!.spend > 0, `stored spend ${rows[0]!.spend}`);
      assert.ok(rows[0]!.budget_reset_at, 'the window end is stored');
      const resetAt = Date.parse(rows[0]!.budget_reset_at);
      assert.ok(resetAt > Date.now() && resetAt <= Date.now() + 86_400_000 + 1000);

      assert.match((await refusal(ask(key, 'gpt-4o-mini'))).message, /exceeded budget/);

      const regenerated = await api.post('/key/regenerate', { key });
      assert.equal(regenerated.status, 200, JSON.stringify(regenerated.body));
      const newSecret = regenerated.body.key as string;
      assert.notEqual(newSecret, key);
      assert.match((await refusal(ask(newSecret, 'gpt-4o-mini'))).message, /exceeded budget/);
      assert.equal((await ask(newSecret, 'gpt-4o')).object, 'chat.completion');

      const deleted = await api.post('/key/delete', { keys: [newSecret] });
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      const newToken = regenerated.body.token as string;
      assert.deepEqual(await opened.store.keys.findModelSpend(newToken), []);
      assert.deepEqual(await opened.store.keys.findModelSpend(token), []);
    });

    it('starts a new window when time_period has passed', async () => {
      const { key } = await newKey({
        model_max_budget: {
          'gpt-4o-mini': { budget_limit: oneCall('gpt-4o-mini'), time_period: '2s' },
        },
      });
      // Windows are counted from the key's creation: start the test call early in one.
      await ask(key, 'gpt-4o-mini');
      await refusal(ask(key, 'gpt-4o-mini'));
      await sleep(2_100);
      const info = await api.get(`/key/info?key=${key}`);
      const usage = info.body.info.model_max_budget_usage as Record<string, unknown>;
      assert.deepEqual(usage['gpt-4o-mini'], {
        current_spend: 0,
        budget_limit: oneCall('gpt-4o-mini'),
        time_period: '2s',
      });
      const again = await ask(key, 'gpt-4o-mini');
      assert.equal(again.object, 'chat.completion');
      await refusal(ask(key, 'gpt-4o-mini'));
    });

    it('never overspends a model budget under 80 concurrent calls, and uses most of it', async () => {
      const probe = await ask((await newKey({})).key, 'gpt-4o');
      assert.ok(probe.usage);
      const perCall =
        probe.usage.prompt_tokens * INPUT_PRICE + probe.usage.completion_tokens * OUTPUT_PRICE;
      const budget = perCall * 20;
      const { key, token } = await newKey({
        model_max_budget: { 'gpt-4o': { budget_limit: budget, time_period: '1d' } },
      });
      const results = await Promise.allSettled(
        Array.from({ length: 80 }, () => ask(key, 'gpt-4o')),
      );
      const served = results.filter((r) => r.status === 'fulfilled').length;
      assert.ok(served >= 1, 'some calls are served');
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.match(String(r.reason), /exceeded budget for model=gpt-4o/);
        }
      }
      await gateway.app.ledger?.flush();
      const [row] = await opened.store.keys.findModelSpend(token);
      assert.ok(row, 'the spend is stored');
      assert.ok(row.spend <= budget + 1e-12, `booked ${row.spend} over the budget ${budget}`);
      assert.ok(row.spend >= budget * 0.9 - perCall, `booked ${row.spend} of ${budget}`);
    });

    it("applies an entry's rpm_limit to that model only", async () => {
      const { key } = await newKey({ model_max_budget: { 'gpt-4o': { rpm_limit: 1 } } });
      await ask(key, 'gpt-4o');
      const error = await refusal(ask(key, 'gpt-4o'));
      assert.equal(error.status, 429);
      assert.match(error.message, /Rate limit exceeded for model_per_key: .*Limit type: requests/);
      assert.equal((await ask(key, 'gpt-4o-mini')).object, 'chat.completion');
    });

    it('refuses unusable entries with the field named, and creates or changes nothing', async () => {
      const before = await api.get('/key/list?size=100');
      for (const [table, problem] of [
        [{ 'gpt-4o': { budget_limit: -1, time_period: '1d' } }, /budget_limit cannot be negative/],
        [{ 'gpt-4o': { budget_limit: 'lots' } }, /budget_limit must be a number/],
        [{ 'gpt-4o': { budget_limit: 1, time_period: 'fortnightly' } }, /time_period/],
        [{ 'gpt-4o': true }, /each entry must be an amount or an object/],
        [{ 'gpt-4o': 'ten' }, /a budget must be a number/],
        [{ 'gpt-4o': -2 }, /a budget cannot be negative/],
      ] as const) {
        const r = await api.post('/key/generate', { model_max_budget: table });
        assert.equal(r.status, 400, JSON.stringify(r.body));
        const message = JSON.stringify(r.body);
        assert.match(message, /Invalid model_max_budget: gpt-4o: /);
        assert.match(message, problem);
      }
      const afterList = await api.get('/key/list?size=100');
      assert.equal(afterList.body.total_count, before.body.total_count);

      const { key } = await newKey({
        model_max_budget: { 'gpt-4o': { budget_limit: 1, time_period: '1d' } },
      });
      const update = await api.post('/key/update', {
        key,
        model_max_budget: { 'gpt-4o': { budget_limit: -5 } },
      });
      assert.equal(update.status, 400);
      const info = await api.get(`/key/info?key=${key}`);
      assert.deepEqual(info.body.info.model_max_budget, {
        'gpt-4o': { budget_limit: 1, time_period: '1d' },
      });
    });
  });
}
