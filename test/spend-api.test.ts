/**
 * The spend routes through a real gateway on both databases: LiteLLM's shapes, totals that agree
 * with the log, and the role rules (an internal user sees only its own spend; the reset is the
 * master key's alone). Spend is booked through the gateway's own ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { sha256 } from './helpers/records.js';
import { cents, spendEntry } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);

for (const database of await testDatabases()) {
  describe(`spend routes on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keys = { alice: '', bob: '', viewer: '', admin: '' };
    const ids: Record<string, string> = {};

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      const team = await api.post('/team/new', { team_alias: 'Research' });
      ids.team = team.body.team_id as string;
      const roles = {
        alice: 'internal_user',
        bob: 'internal_user',
        viewer: 'proxy_admin_viewer',
        admin: 'proxy_admin',
      } as const;
      for (const [name, role] of Object.entries(roles)) {
        const r = await api.post('/user/new', { user_id: name, user_role: role });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        keys[name as keyof typeof keys] = r.body.key as string;
      }
      const ledger = gateway.app.ledger;
      assert.ok(ledger, 'a gateway with a store has a ledger');
      const at = Date.now() - 60_000;
      const book = (user: 'alice' | 'bob', cost: number, extra: Parameters<typeof spendEntry>[0]) =>
        ledger.book(
          spendEntry({
            keyHash: sha256(keys[user]),
            userId: user,
            cost,
            startTime: at,
            endTime: at + 800,
            ...extra,
          }),
        );
      book('alice', 0.25, { requestId: 'r-a1', teamId: ids.team, tags: ['prod'] });
      book('alice', 0.5, {
        requestId: 'r-a2',
        teamId: ids.team,
        customerId: 'acme',
        tags: ['prod', 'eu'],
      });
      book('bob', 1.125, {
        requestId: 'r-b1',
        customerId: 'acme',
        model: 'claude-3',
        modelGroup: 'claude',
        startTime: at - DAY,
        endTime: at - DAY + 500,
      });
      await ledger.flush();
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    it('/spend/logs lists LiteLLM SpendLogs rows, filtered by request id or key', async () => {
      const all = await api.get('/spend/logs');
      assert.equal(all.status, 200, JSON.stringify(all.body));
      assert.deepEqual(all.body.map((r: { request_id: string }) => r.request_id).sort(), [
        'r-a1',
        'r-a2',
        'r-b1',
      ]);
      const one = await api.get('/spend/logs?request_id=r-a2');
      assert.equal(one.body.length, 1);
      const row = one.body[0];
      assert.equal(row.api_key, sha256(keys.alice));
      assert.equal(row.spend, 0.5);
      assert.equal(row.user, 'alice');
      assert.equal(row.team_id, ids.team);
      assert.equal(row.end_user, 'acme');
      assert.deepEqual(row.request_tags, ['prod', 'eu']);
      assert.equal(row.call_type, 'acompletion');
      assert.equal(row.status, 'success');
      assert.equal(typeof row.startTime, 'string');
      assert.equal(row.metadata.user_api_key_user_id, 'alice');
      // A raw key is hashed before it is looked up.
      const byKey = await api.get(`/spend/logs?api_key=${keys.bob}`);
      assert.deepEqual(
        byKey.body.map((r: { request_id: string }) => r.request_id),
        ['r-b1'],
      );
    });

    it('/spend/logs with dates sums each day, days without calls at 0', async () => {
      const from = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
      const r = await api.get(`/spend/logs?start_date=${from}&end_date=${today}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.length, 4);
      type Day = { startTime: string; spend: number; users: Record<string, number> };
      const days = r.body as Day[];
      const byDay = new Map(days.map((d) => [d.startTime, d]));
      const dayOfA1 = new Date(Date.now() - 60_000).toISOString().slice(0, 10);
      assert.equal(cents(days.reduce((s, d) => s + d.spend, 0)), 1.875);
      assert.ok(byDay.has(today) && byDay.has(yesterday));
      assert.equal(byDay.get(from)?.spend, 0);
      assert.equal(cents(byDay.get(dayOfA1)?.users.alice ?? 0), 0.75);
    });

    it('/spend/logs/ui pages through the rows with their count', async () => {
      const r = await api.get(
        `/spend/logs/ui?start_date=${yesterday}%2000:00:00&end_date=${today}%2023:59:59&page_size=2`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total, 3);
      assert.equal(r.body.total_pages, 2);
      assert.equal(r.body.data.length, 2);
      const missing = await api.get('/spend/logs/ui');
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error.message, 'Start date and end date are required');
    });

    it('global totals, keys, teams, models, customers and tags agree with the log', async () => {
      assert.equal(cents((await api.get('/global/spend')).body.spend), 1.875);
      const daily = await api.get('/global/spend/logs');
      assert.equal(
        cents(daily.body.reduce((s: number, d: { spend: number }) => s + d.spend, 0)),
        1.875,
      );
      const topKeys = (await api.get('/global/spend/keys')).body;
      assert.deepEqual(
        topKeys.map((k: { api_key: string; total_spend: number }) => [k.api_key, k.total_spend]),
        [
          [sha256(keys.bob), 1.125],
          [sha256(keys.alice), 0.75],
        ],
      );
      const teams = (await api.get('/global/spend/teams')).body;
      assert.deepEqual(teams.teams, ['Research']);
      assert.equal(teams.total_spend_per_team[0].total_spend, 0.75);
      const models = (await api.get('/global/spend/models')).body;
      assert.deepEqual(models[0], { model: 'claude-3', total_spend: 1.125 });
      const customers = (await api.get('/global/spend/end_users')).body;
      assert.deepEqual(customers, [{ end_user: 'acme', total_spend: 1.625, total_count: 2 }]);
      const tags = (await api.get('/spend/tags')).body;
      assert.deepEqual(tags, [
        { individual_request_tag: 'prod', log_count: 2, total_spend: 0.75 },
        { individual_request_tag: 'eu', log_count: 1, total_spend: 0.5 },
      ]);
      const acme = await api.get('/customer/info?end_user_id=acme');
      assert.equal(acme.status, 200, 'the customer row was created on its first spend');
      assert.equal(cents(acme.body.spend), 1.625);
    });

    it('/global/spend/report groups by team, customer or key over a date range', async () => {
      const range = `start_date=${yesterday}&end_date=${today}`;
      const byTeam = (await api.get(`/global/spend/report?${range}&group_by=team`)).body;
      const research = byTeam
        .flatMap((d: { teams: { team_name: string; total_spend: number }[] }) => d.teams)
        .filter((t: { team_name: string }) => t.team_name === 'Research');
      assert.equal(
        cents(research.reduce((s: number, t: { total_spend: number }) => s + t.total_spend, 0)),
        0.75,
      );
      const byCustomer = (await api.get(`/global/spend/report?${range}&group_by=customer`)).body;
      const acme = byCustomer
        .flatMap((d: { customers: { customer: string; total_spend: number }[] }) => d.customers)
        .filter((c: { customer: string }) => c.customer === 'acme');
      assert.equal(
        cents(acme.reduce((s: number, c: { total_spend: number }) => s + c.total_spend, 0)),
        1.625,
      );
      const byKey = (await api.get(`/global/spend/report?${range}&group_by=api_key`)).body;
      assert.equal(byKey.length, 2);
      const missing = await api.get('/global/spend/report');
      assert.equal(missing.status, 400);
    });

    it('an internal user sees only its own spend, whatever it asks for', async () => {
      const own = await api.get('/spend/logs', keys.alice);
      assert.equal(own.status, 200, JSON.stringify(own.body));
      assert.deepEqual(own.body.map((r: { request_id: string }) => r.request_id).sort(), [
        'r-a1',
        'r-a2',
      ]);
      assert.deepEqual((await api.get('/spend/logs?user_id=bob', keys.alice)).body, []);
      assert.deepEqual((await api.get('/spend/logs?request_id=r-b1', keys.alice)).body, []);
      assert.equal(cents((await api.get('/global/spend', keys.alice)).body.spend), 0.75);
      assert.deepEqual(
        (await api.get('/global/spend/keys', keys.alice)).body.map(
          (k: { api_key: string }) => k.api_key,
        ),
        [sha256(keys.alice)],
      );
      const spendKeys = (await api.get('/spend/keys', keys.alice)).body;
      assert.ok(spendKeys.every((k: { user_id: string }) => k.user_id === 'alice'));
      assert.deepEqual(
        (await api.get('/spend/users', keys.alice)).body.map((u: { user_id: string }) => u.user_id),
        ['alice'],
      );
      assert.deepEqual((await api.get('/spend/users?user_id=bob', keys.alice)).body, []);
      assert.equal((await api.get('/spend/tags', keys.alice)).status, 401);
      // A viewer reads everything.
      assert.equal((await api.get('/spend/logs', keys.viewer)).body.length, 3);
    });

    it('/key/info and /user/info show 0 and the next reset once the stored window passed', async () => {
      await opened.store.keys.update(sha256(keys.bob), {
        budget_duration: '1d',
        budget_reset_at: new Date(Date.now() - DAY / 2).toISOString(),
      });
      await opened.store.users.update('bob', {
        budget_duration: '1d',
        budget_reset_at: new Date(Date.now() - DAY / 2).toISOString(),
      });
      const info = await api.get(`/key/info?key=${keys.bob}`);
      assert.equal(info.body.info.spend, 0);
      assert.ok(Date.parse(info.body.info.budget_reset_at) > Date.now());
      const user = await api.get('/user/info?user_id=bob');
      assert.equal(user.body.user_info.spend, 0);
    });

    it('/global/spend/reset is the master key’s alone and leaves the logs', async () => {
      const refused = await api.post('/global/spend/reset', {}, keys.admin);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const reset = await api.post('/global/spend/reset');
      assert.deepEqual(reset.body, {
        message: 'Spend for all API Keys and Teams reset successfully',
        status: 'success',
      });
      const info = await api.get(`/key/info?key=${keys.alice}`);
      assert.equal(info.body.info.spend, 0);
      assert.equal((await api.get('/spend/logs')).body.length, 3);
    });
  });
}

describe('spend routes without a database', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway(CONFIG);
  });
  after(() => gateway.close());

  it("answer LiteLLM's database-not-connected error", async () => {
    const api = adminClient(gateway.url, MASTER_KEY);
    for (const path of ['/spend/logs', '/global/spend', '/global/spend/report']) {
      const r = await api.get(path);
      assert.equal(r.status, 500, path);
      assert.match(r.body.error.message, /^Database not connected/);
    }
  });
});
