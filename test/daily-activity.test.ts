/**
 * `/user/daily/activity`, `/team/daily/activity` and `/tag/daily/activity`, LiteLLM's usage
 * pages: per day, spend, tokens and calls with breakdowns by model, model group, provider, key
 * (and team or tag), each caller seeing its own, on SQLite and PostgreSQL, from calls made
 * through the gateway.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const priced = (name: string) => ({
  model_name: name,
  litellm_params: {
    model: `mock/${name}-v1`,
    input_cost_per_token: 0.0001,
    output_cost_per_token: 0.0002,
  },
});

const CONFIG = {
  model_list: [priced('alpha'), priced('beta')],
  general_settings: { master_key: MASTER_KEY },
};

interface Day {
  date: string;
  metrics: { spend: number; api_requests: number; total_tokens: number };
  breakdown: Record<
    string,
    Record<string, { metrics: { api_requests: number }; metadata: Record<string, unknown> }>
  >;
}

for (const database of await testDatabases()) {
  describe(`daily activity on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keys: Record<string, { key: string; token: string }> = {};
    const today = new Date().toISOString().slice(0, 10);
    const range = `start_date=${today}&end_date=${today}`;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      await api.post('/team/new', { team_id: 'usage-team', team_alias: 'Usage' });
      for (const user of ['ann', 'bob', 'cat']) {
        await api.post('/user/new', { user_id: user, auto_create_key: false });
      }
      for (const user of ['ann', 'bob']) {
        await api.post('/team/member_add', {
          team_id: 'usage-team',
          member: { role: 'user', user_id: user },
        });
      }
      for (const user of ['ann', 'bob', 'cat']) {
        const r = await api.post('/key/generate', {
          user_id: user,
          key_alias: `${user}-laptop`,
          ...(user === 'cat' ? {} : { team_id: 'usage-team' }),
        });
        keys[user] = { key: r.body.key as string, token: r.body.token as string };
      }
      for (const [user, model] of [
        ['ann', 'alpha'],
        ['ann', 'alpha'],
        ['ann', 'beta'],
        ['bob', 'beta'],
        ['cat', 'alpha'],
      ] as const) {
        const r = await api.chat(model, keys[user]!.key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      await gateway.app.ledger?.flush();
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    it('shows a user its own day, by model, provider and key, and the totals', async () => {
      const r = await api.get(`/user/daily/activity?${range}`, keys.ann!.key);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [day] = r.body.results as Day[];
      assert.equal(day?.date, today);
      assert.equal(day.metrics.api_requests, 3);
      assert.deepEqual(Object.keys(day.breakdown.models!).sort(), ['alpha-v1', 'beta-v1']);
      assert.equal(day.breakdown.model_groups!.alpha!.metrics.api_requests, 2);
      assert.equal(day.breakdown.providers!.mock!.metrics.api_requests, 3);
      const key = day.breakdown.api_keys![keys.ann!.token]!;
      assert.deepEqual(key.metadata, { key_alias: 'ann-laptop', team_id: 'usage-team' });
      assert.equal(r.body.metadata.total_api_requests, 3);
      assert.ok(Math.abs(r.body.metadata.total_spend - day.metrics.spend) < 1e-12);
      assert.equal(r.body.metadata.has_more, false);
      // Asking for another user's finds only its own.
      const other = await api.get(`/user/daily/activity?${range}&user_id=bob`, keys.ann!.key);
      assert.equal(other.body.metadata.total_api_requests, 0);
    });

    it('shows admins everyone, or one user, one model', async () => {
      const all = await api.get(`/user/daily/activity?${range}`);
      assert.equal(all.body.metadata.total_api_requests, 5);
      const bob = await api.get(`/user/daily/activity?${range}&user_id=bob`);
      assert.equal(bob.body.metadata.total_api_requests, 1);
      const alpha = await api.get(`/user/daily/activity?${range}&model=alpha-v1`);
      assert.equal(alpha.body.metadata.total_api_requests, 3);
    });

    it("shows a team's members the team's days, by team", async () => {
      const r = await api.get(`/team/daily/activity?${range}&team_ids=usage-team`, keys.bob!.key);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [day] = r.body.results as Day[];
      assert.equal(day?.metrics.api_requests, 4);
      assert.deepEqual(day.breakdown.entities!['usage-team']!.metadata, { team_alias: 'Usage' });
      const mine = await api.get(`/team/daily/activity?${range}`, keys.bob!.key);
      assert.equal(mine.body.metadata.total_api_requests, 4, 'its teams when none is named');
      const outsider = await api.get(
        `/team/daily/activity?${range}&team_ids=usage-team`,
        keys.cat!.key,
      );
      assert.equal(outsider.status, 403);
      const none = await api.get(`/team/daily/activity?${range}`, keys.cat!.key);
      assert.equal(none.body.metadata.total_api_requests, 0, 'cat is in no team');
    });

    it('shows admins the days of request tags, by tag, model, provider and key', async () => {
      const tagged = async (tags: string[]) => {
        const r = await api.post('/key/generate', { tags });
        return { key: r.body.key as string, token: r.body.token as string };
      };
      const chatOnly = await tagged(['product:chat']);
      const both = await tagged(['product:chat', 'product:search']);
      for (const [key, model] of [
        [chatOnly, 'alpha'],
        [chatOnly, 'alpha'],
        [chatOnly, 'beta'],
        [both, 'beta'],
      ] as const) {
        assert.equal((await api.chat(model, key.key)).status, 200);
      }
      await gateway.app.ledger?.flush();

      const r = await api.get(`/tag/daily/activity?${range}&tags=product:chat`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const [day] = r.body.results as Day[];
      assert.equal(day?.date, today);
      assert.equal(day.metrics.api_requests, 4);
      assert.deepEqual(Object.keys(day.breakdown.entities!), ['product:chat']);
      assert.equal(day.breakdown.models!['alpha-v1']!.metrics.api_requests, 2);
      assert.equal(day.breakdown.models!['beta-v1']!.metrics.api_requests, 2);
      assert.equal(day.breakdown.providers!.mock!.metrics.api_requests, 4);
      assert.equal(day.breakdown.api_keys![chatOnly.token]!.metrics.api_requests, 3);
      assert.equal(day.breakdown.api_keys![both.token]!.metrics.api_requests, 1);
      assert.ok(Math.abs(r.body.metadata.total_spend - day.metrics.spend) < 1e-12);

      const two = await api.get(`/tag/daily/activity?${range}&tags=product:chat,product:search`);
      const [both2] = two.body.results as Day[];
      assert.equal(both2!.breakdown.entities!['product:search']!.metrics.api_requests, 1);
      assert.equal(both2!.breakdown.entities!['product:chat']!.metrics.api_requests, 4);
      const alpha = await api.get(`/tag/daily/activity?${range}&tags=product:chat&model=alpha-v1`);
      assert.equal(alpha.body.metadata.total_api_requests, 2);
      const oneKey = await api.get(
        `/tag/daily/activity?${range}&tags=product:chat&api_key=${both.token}`,
      );
      assert.equal(oneKey.body.metadata.total_api_requests, 1);
      // Every tag when none is named, the User-Agent tags among them.
      const all = await api.get(`/tag/daily/activity?${range}`);
      const [allDay] = all.body.results as Day[];
      assert.ok(allDay!.breakdown.entities!['product:search']);
      assert.ok(Object.keys(allDay!.breakdown.entities!).some((t) => t.startsWith('User-Agent: ')));
      // Tag totals are not kept per user: admins and viewers only; and the range is required.
      const user = await api.get(`/tag/daily/activity?${range}`, keys.ann!.key);
      assert.equal(user.status, (await api.get('/spend/tags', keys.ann!.key)).status);
      assert.ok(user.status === 401 || user.status === 403, `refused: ${user.status}`);
      const missing = await api.get('/tag/daily/activity');
      assert.equal(missing.status, 400);
      assert.match(JSON.stringify(missing.body), /Please provide start_date and end_date/);
    });

    it('requires the date range and pages by day', async () => {
      const missing = await api.get('/user/daily/activity');
      assert.equal(missing.status, 400);
      assert.match(JSON.stringify(missing.body), /Please provide start_date and end_date/);
      const page2 = await api.get(`/user/daily/activity?${range}&page=2&page_size=1`);
      assert.deepEqual(page2.body.results, []);
      assert.equal(page2.body.metadata.total_pages, 1);
    });
  });
}
