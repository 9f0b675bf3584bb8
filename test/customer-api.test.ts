/**
 * The /customer/* admin API (and its /end_user/* aliases) over HTTP against a real gateway, on
 * every database: LiteLLM's fields, statuses and messages, and blocked customers refused on LLM
 * routes at once when a request's `user` names them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`/customer/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keyOf: Record<string, string> = {};

    /** A chat completion on behalf of an end user. */
    const chatAs = async (user: unknown, key = MASTER_KEY, path = '/v1/chat/completions') => {
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
          user,
        }),
      });
      return { status: response.status, body: await response.json() };
    };

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      for (const [id, role] of [
        ['iu', 'internal_user'],
        ['viewer', 'proxy_admin_viewer'],
      ] as const) {
        keyOf[id] = (await api.post('/user/new', { user_id: id, user_role: role })).body.key;
      }
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    it('/customer/new stores the customer; its budget shows under litellm_budget_table', async () => {
      const { status, body } = await api.post('/customer/new', {
        user_id: 'acme',
        alias: 'Acme Corp',
        max_budget: 20,
        budget_duration: '1mo',
        tpm_limit: 1000,
        rpm_limit: 60,
        allowed_model_region: 'eu',
        default_model: 'gpt-4o-mini',
        metadata: { plan: 'pro' },
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.user_id, 'acme');
      assert.equal(body.alias, 'Acme Corp');
      assert.equal(body.blocked, false);
      assert.equal(body.spend, 0);
      assert.equal(body.allowed_model_region, 'eu');
      assert.equal(body.default_model, 'gpt-4o-mini');
      assert.equal(body.budget_id, null);
      assert.equal(body.litellm_budget_table.max_budget, 20);
      assert.equal(body.litellm_budget_table.tpm_limit, 1000);
      assert.equal(body.litellm_budget_table.budget_duration, '1mo');
      assert.ok(Date.parse(body.litellm_budget_table.budget_reset_at) > Date.now());
      const plain = await api.post('/end_user/new', { user_id: 'plain' });
      assert.equal(plain.body.litellm_budget_table, null);
    });

    it('refuses a duplicate, an unknown default model, a budget_id, and malformed bodies', async () => {
      const count = (await opened.store.customers.list()).length;
      const dup = await api.post('/customer/new', { user_id: 'acme' });
      assert.equal(dup.status, 400);
      assert.equal(dup.body.error.type, 'bad_request');
      assert.equal(
        dup.body.error.message,
        'Customer already exists, passed user_id=acme. Please pass a new user_id.',
      );
      const model = await api.post('/customer/new', { user_id: 'c2', default_model: 'gpt-9' });
      assert.equal(model.status, 422);
      assert.match(model.body.error.message, /^Default Model not on proxy/);
      const both = await api.post('/customer/new', {
        user_id: 'c2',
        budget_id: 'b1',
        max_budget: 1,
      });
      assert.equal(both.status, 400);
      assert.equal(both.body.error.message, "Set either 'max_budget' or 'budget_id', not both.");
      for (const [body, param] of [
        [{}, 'user_id'],
        [{ user_id: 'c2', allowed_model_region: 'mars' }, 'allowed_model_region'],
        [{ user_id: 'c2', max_budget: 'lots' }, 'max_budget'],
        [{ user_id: 'c2', blocked: 'yes' }, 'blocked'],
      ] as const) {
        const r = await api.post('/customer/new', body);
        assert.equal(r.status, 422, JSON.stringify(body));
        assert.equal(r.body.error.param, param);
      }
      assert.equal((await opened.store.customers.list()).length, count);
    });

    it('/customer/info and /customer/list for admins and viewers; unknown: 404', async () => {
      const info = await api.get('/customer/info?end_user_id=acme');
      assert.equal(info.status, 200);
      assert.equal(info.body.alias, 'Acme Corp');
      assert.equal((await api.get('/end_user/info?end_user_id=acme', keyOf.viewer)).status, 200);
      const missing = await api.get('/customer/info?end_user_id=ghost');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.type, 'not_found');
      assert.equal(missing.body.error.message, 'End User Id=ghost does not exist in db');
      assert.equal((await api.get('/customer/info')).status, 422);
      const list = await api.get('/customer/list', keyOf.viewer);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.map((c: { user_id: string }) => c.user_id),
        ['acme', 'plain'],
      );
      const iu = await api.get('/customer/list', keyOf.iu);
      assert.equal(iu.status, 401);
      assert.equal(iu.body.error.message, 'Admin-only endpoint. Your user role=internal_user');
      assert.equal((await api.get('/customer/info?end_user_id=acme', keyOf.iu)).status, 401);
    });

    it('/customer/update changes what it names; null clears; unknown: 404', async () => {
      const r = await api.post('/customer/update', {
        user_id: 'acme',
        alias: 'Acme Inc',
        max_budget: null,
      });
      assert.equal(r.status, 200);
      assert.equal(r.body.alias, 'Acme Inc');
      assert.equal(r.body.litellm_budget_table.max_budget, null);
      assert.equal(r.body.litellm_budget_table.tpm_limit, 1000, 'the rest is kept');
      assert.equal(r.body.allowed_model_region, 'eu');
      const missing = await api.post('/end_user/update', { user_id: 'ghost', alias: 'x' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.message, 'End User Id=ghost does not exist in db');
    });

    it('writes are for proxy admins only', async () => {
      for (const path of ['/customer/new', '/customer/update', '/end_user/block']) {
        const iu = await api.post(path, { user_id: 'acme', user_ids: ['acme'] }, keyOf.iu);
        assert.equal(iu.status, 401, path);
        const viewer = await api.post(path, { user_id: 'acme', user_ids: ['acme'] }, keyOf.viewer);
        assert.equal(viewer.status, 403, path);
      }
      assert.equal((await opened.store.customers.findById('acme'))?.blocked, false);
    });

    it('a blocked customer is refused on LLM routes at once; unblocked it is served again', async () => {
      assert.equal((await chatAs('acme')).status, 200, 'warms the cache with "not blocked"');
      const blocked = await api.post('/customer/block', { user_ids: ['acme'] });
      assert.equal(blocked.status, 200);
      assert.deepEqual(
        blocked.body.blocked_users.map((c: { user_id: string; blocked: boolean }) => [
          c.user_id,
          c.blocked,
        ]),
        [['acme', true]],
      );
      for (const path of ['/v1/chat/completions', '/chat/completions']) {
        const refused = await chatAs('acme', keyOf.iu, path);
        assert.equal(refused.status, 400, path);
        assert.deepEqual(refused.body, {
          error: {
            message: 'User blocked from making LLM API Calls. User=acme',
            type: 'invalid_request_error',
            param: null,
            code: '400',
          },
        });
      }
      assert.equal((await chatAs('plain')).status, 200, 'other customers are served');
      assert.equal((await chatAs(undefined)).status, 200, 'requests without a user are served');
      assert.equal((await chatAs('never-seen')).status, 200, 'unknown end users are served');
      const unblocked = await api.post('/end_user/unblock', { user_ids: ['acme'] });
      assert.equal(unblocked.status, 200);
      assert.equal(unblocked.body.unblocked_users[0].blocked, false);
      assert.equal((await chatAs('acme')).status, 200);
    });

    it('blocking an end user that is not a customer yet makes it one, refused from the start', async () => {
      const r = await api.post('/end_user/block', { user_ids: ['troll'] });
      assert.equal(r.status, 200);
      assert.equal((await chatAs('troll')).status, 400);
      const info = await api.get('/customer/info?end_user_id=troll');
      assert.equal(info.body.blocked, true);
      const update = await api.post('/customer/update', { user_id: 'troll', blocked: false });
      assert.equal(update.body.blocked, false, 'update may unblock too');
      assert.equal((await chatAs('troll')).status, 200);
      const unknown = await api.post('/customer/unblock', { user_ids: ['ghost'] });
      assert.equal(unknown.status, 404);
    });

    it('/customer/delete removes customers; any unknown id: 404 and nothing deleted', async () => {
      await api.post('/customer/new', { user_id: 'temp-1' });
      await api.post('/customer/new', { user_id: 'temp-2', blocked: true });
      assert.equal((await chatAs('temp-2')).status, 400);
      const partial = await api.post('/customer/delete', {
        user_ids: ['temp-1', 'ghost', 'ghost2'],
      });
      assert.equal(partial.status, 404);
      assert.equal(partial.body.error.message, 'End User Id(s)=ghost, ghost2 do not exist in db');
      assert.ok(await opened.store.customers.findById('temp-1'));
      const r = await api.post('/end_user/delete', { user_ids: ['temp-1', 'temp-2'] });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        deleted_customers: 2,
        message: "Successfully deleted customers with ids: ['temp-1', 'temp-2']",
      });
      assert.equal((await chatAs('temp-2')).status, 200, 'a deleted customer is no longer blocked');
      assert.equal((await api.post('/customer/delete', { user_ids: [] })).status, 422);
    });
  });
}
