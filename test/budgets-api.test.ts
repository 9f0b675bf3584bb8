/**
 * Shared budgets, as LiteLLM's docs use them for customers: `/budget/new` a tier, then
 * `/customer/new` with its `budget_id`, then requests naming the customer in `user` are held to
 * the tier's limits, each customer on its own spend. The /budget/* routes, their errors and who
 * may call them, on SQLite and PostgreSQL, with the official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  MAX_TOKENS,
  oneCallBudget,
  pricedModel,
  refusal as refusalOf,
} from './helpers/priced-models.js';

const MESSAGES = [{ role: 'user' as const, content: 'gm' }];

const CONFIG = {
  model_list: [pricedModel('llama3'), pricedModel('slow', { mock_latency_ms: 300 })],
  general_settings: { master_key: MASTER_KEY },
};

const ONE_CALL = oneCallBudget('llama3', MESSAGES);

for (const database of await testDatabases()) {
  describe(`/budget/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let viewerKey: string;
    let userKey: string;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      viewerKey = (await post('/user/new', { user_role: 'proxy_admin_viewer' })).key as string;
      userKey = (await post('/user/new', { user_role: 'internal_user' })).key as string;
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function post(path: string, body: Record<string, unknown>) {
      const r = await api.post(path, body);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    }

    function ask(user: string) {
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      return sdk.chat.completions.create({
        model: 'llama3',
        messages: MESSAGES,
        max_tokens: MAX_TOKENS,
        user,
      });
    }

    const refusal = (user: string) => refusalOf(ask(user));

    it("holds each customer on a tier to the tier's rate limit, on its own", async () => {
      const tier = await post('/budget/new', { budget_id: 'free-tier', rpm_limit: 1 });
      assert.equal(tier.budget_id, 'free-tier');
      assert.equal(tier.rpm_limit, 1);
      await post('/customer/new', { user_id: 'palantir', budget_id: 'free-tier' });
      await post('/customer/new', { user_id: 'initech', budget_id: 'free-tier' });
      const info = await api.get('/customer/info?end_user_id=palantir');
      assert.equal(info.body.budget_id, 'free-tier');
      assert.equal(info.body.litellm_budget_table.rpm_limit, 1);

      await ask('palantir');
      const error = await refusal('palantir');
      assert.equal(error.status, 429);
      assert.match(
        error.message,
        /Rate limit exceeded for end_user: palantir\. Limit type: requests/,
      );
      assert.equal((await ask('initech')).object, 'chat.completion', 'its own counter');
    });

    it("refuses a customer past the tier's budget, and a raised budget applies at once", async () => {
      await post('/budget/new', { budget_id: 'paid', max_budget: ONE_CALL, budget_duration: '1d' });
      await post('/customer/new', { user_id: 'acme', budget_id: 'paid' });
      await ask('acme');
      const error = await refusal('acme');
      assert.match(error.message, /ExceededBudget: End User=acme over budget/);

      await gateway.app.ledger?.flush();
      const info = await api.get('/customer/info?end_user_id=acme');
      assert.ok(info.body.spend > 0);
      assert.equal(info.body.litellm_budget_table.max_budget, ONE_CALL);
      assert.equal(info.body.litellm_budget_table.budget_duration, '1d');
      const resetAt = Date.parse(info.body.litellm_budget_table.budget_reset_at as string);
      assert.ok(resetAt > Date.now() && resetAt <= Date.now() + 86_400_000 + 1000);

      const raised = await post('/budget/update', { budget_id: 'paid', max_budget: 1 });
      assert.equal(raised.max_budget, 1);
      assert.equal((await ask('acme')).object, 'chat.completion');
      const listed = await api.get('/customer/list');
      const acme = (
        listed.body as { user_id: string; litellm_budget_table: { max_budget: number } }[]
      ).find((c) => c.user_id === 'acme');
      assert.equal(acme?.litellm_budget_table.max_budget, 1);
    });

    it("holds a key on a budget to the budget's limits where it sets none", async () => {
      await post('/budget/new', {
        budget_id: 'key-tier',
        max_budget: ONE_CALL,
        budget_duration: '1d',
        rpm_limit: 100,
      });
      const created = await post('/key/generate', { budget_id: 'key-tier' });
      const key = created.key as string;
      const info = await api.get(`/key/info?key=${key}`);
      assert.equal(info.body.info.budget_id, 'key-tier');
      assert.equal(info.body.info.litellm_budget_table.max_budget, ONE_CALL);
      assert.equal(info.body.info.budget_duration, '1d', "the budget's, as the key resets by it");
      const resetAt = Date.parse(info.body.info.budget_reset_at as string);
      assert.ok(resetAt > Date.now() && resetAt <= Date.now() + 86_400_000 + 1000);

      const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const call = () =>
        sdk.chat.completions.create({
          model: 'llama3',
          messages: MESSAGES,
          max_tokens: MAX_TOKENS,
        });
      const first = await call().withResponse();
      assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '100');
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OpenAI.APIError);
      assert.match(error.message, /Budget has been exceeded! Key=/);

      await post('/budget/update', { budget_id: 'key-tier', max_budget: 1 });
      assert.equal((await call()).object, 'chat.completion', 'the raised budget applies at once');
      // Its own setting wins over the budget's.
      await post('/key/update', { key, max_budget: 0 });
      await assert.rejects(call(), /Budget has been exceeded/);

      const unknown = await api.post('/key/generate', { budget_id: 'nope' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
      const inUse = await api.post('/budget/delete', { id: 'key-tier' });
      assert.equal(inUse.status, 400);
      assert.match(JSON.stringify(inUse.body), /1 key\(s\)/);
    });

    it("takes a customer's own max_parallel_requests and soft_budget", async () => {
      const created = await post('/customer/new', {
        user_id: 'parallel-co',
        max_parallel_requests: 1,
        soft_budget: 2,
      });
      assert.equal(
        (created.litellm_budget_table as Record<string, unknown>).max_parallel_requests,
        1,
      );
      assert.equal((created.litellm_budget_table as Record<string, unknown>).soft_budget, 2);
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const call = () =>
        sdk.chat.completions.create({ model: 'slow', messages: MESSAGES, user: 'parallel-co' });
      const first = call();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 429);
      assert.match(error.message, /end_user: parallel-co\. Limit type: max_parallel_requests/);
      assert.equal((await first).object, 'chat.completion');
      assert.equal((await call()).object, 'chat.completion', 'the slot is free again');
    });

    it('answers with the errors LiteLLM gives, and changes nothing', async () => {
      await post('/budget/new', { budget_id: 'spare', max_budget: 5 });
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['/budget/new', { budget_id: 'spare' }, /Budget with id 'spare' already exists\./],
        [
          '/budget/new',
          { max_budget: -1 },
          /max_budget must be a non-negative finite number\. Received: -1/,
        ],
        ['/budget/update', { max_budget: 3 }, /budget_id is required/],
        ['/budget/info', { budgets: [] }, /Specify list of budget id's to query\. Passed in=\[\]/],
        [
          '/customer/new',
          { user_id: 'x', budget_id: 'spare', max_budget: 2 },
          /Set either 'max_budget' or 'budget_id', not both\./,
        ],
        ['/budget/delete', { id: 'paid' }, /used by 1 customer/],
      ];
      for (const [path, body, message] of cases) {
        const r = await api.post(path, body);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(r.body)}`);
        assert.match(JSON.stringify(r.body), message);
      }
      const unknown = await api.post('/customer/new', { user_id: 'y', budget_id: 'nope' });
      assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
      assert.equal((await api.get('/customer/info?end_user_id=y')).status, 404);

      const found = await post('/budget/info', { budgets: ['spare', 'nope'] });
      assert.deepEqual(
        (found as unknown as { budget_id: string }[]).map((b) => b.budget_id),
        ['spare'],
      );
      const deleted = await post('/budget/delete', { id: 'spare' });
      assert.equal(deleted.budget_id, 'spare');
      assert.equal((await api.post('/budget/info', { budgets: ['spare'] })).body.length, 0);
    });

    it('lets proxy admins change budgets, viewers read them, and nobody else', async () => {
      const list = await api.get('/budget/list', viewerKey);
      assert.equal(list.status, 200);
      assert.ok((list.body as { budget_id: string }[]).some((b) => b.budget_id === 'free-tier'));
      const settings = await api.get('/budget/settings?budget_id=free-tier', viewerKey);
      assert.equal(settings.status, 200);
      assert.deepEqual(
        (settings.body as { field_name: string; field_value: unknown }[]).find(
          (f) => f.field_name === 'rpm_limit',
        )?.field_value,
        1,
      );
      for (const [key, path, body] of [
        [viewerKey, '/budget/new', { budget_id: 'v' }],
        [userKey, '/budget/new', { budget_id: 'u' }],
        [userKey, '/budget/update', { budget_id: 'free-tier', rpm_limit: 1000 }],
      ] as const) {
        const r = await api.post(path, body, key);
        assert.ok(r.status === 401 || r.status === 403, `${path}: ${r.status}`);
      }
      assert.ok([401, 403].includes((await api.get('/budget/list', userKey)).status));
      const audit = await api.get('/audit/logs?table_name=budgets');
      assert.equal(audit.status, 200);
      assert.ok(JSON.stringify(audit.body).includes('free-tier'), 'budget changes are audited');
    });
  });
}
