/**
 * The key routes LiteLLM's admin scripts use beyond the basic ones: `POST /v2/key/info` (several
 * keys), `GET /key/aliases` (paged, searched), `POST /key/{key}/reset_spend` (proxy admins and the
 * key's team admins) and `POST /key/bulk_update` (proxy admins; each update on its own), on
 * SQLite and PostgreSQL, with who may call what.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [
    {
      model_name: 'priced',
      litellm_params: {
        model: 'mock/priced',
        input_cost_per_token: 0.0001,
        output_cost_per_token: 0.0002,
      },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`more key routes on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let annKey: string;
    let leadKey: string;
    const teamId = `bulk-team-${database.name}`;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      annKey = (await post('/user/new', { user_id: 'ann', key_alias: 'Ann-Laptop' })).key as string;
      leadKey = (await post('/user/new', { user_id: 'lead' })).key as string;
      await post('/team/new', {
        team_id: teamId,
        members_with_roles: [
          { role: 'admin', user_id: 'lead' },
          { role: 'user', user_id: 'ann' },
        ],
      });
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function post(path: string, body: Record<string, unknown>, key = MASTER_KEY) {
      const r = await api.post(path, body, key);
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body as Record<string, unknown>;
    }

    it('/v2/key/info: the keys of the list the caller may read', async () => {
      const other = (await post('/key/generate', { key_alias: 'service-x' })) as {
        key: string;
        token: string;
      };
      const all = await post('/v2/key/info', { keys: [annKey, other.token] });
      assert.deepEqual(all.key, [annKey, other.token]);
      const info = all.info as { key_alias: string }[];
      assert.deepEqual(
        info.map((k) => k.key_alias),
        ['Ann-Laptop', 'service-x'],
      );
      // Ann reads her own key and nothing of another's.
      const own = await post('/v2/key/info', { keys: [annKey, other.key] }, annKey);
      assert.deepEqual(
        (own.info as { key_alias: string }[]).map((k) => k.key_alias),
        ['Ann-Laptop'],
      );
      const empty = await api.post('/v2/key/info', { keys: [] });
      assert.equal(empty.status, 422);
    });

    it('/key/aliases: a page of aliases, searched in any case, scoped to the caller', async () => {
      await post('/key/generate', { key_alias: 'ann-100%-test', user_id: 'ann' });
      await post('/key/generate', { key_alias: 'ann-team', user_id: 'ann', team_id: teamId });
      const found = await api.get('/key/aliases?search=ANN&size=2');
      assert.equal(found.status, 200);
      assert.deepEqual(found.body, {
        aliases: ['Ann-Laptop', 'ann-100%-test'],
        total_count: 3,
        current_page: 1,
        total_pages: 2,
      });
      const literal = await api.get(`/key/aliases?search=${encodeURIComponent('100%')}`);
      assert.deepEqual(literal.body.aliases, ['ann-100%-test'], '% is not a wildcard');
      const team = await api.get(`/key/aliases?team_id=${teamId}`);
      assert.deepEqual(team.body.aliases, ['ann-team']);
      const mine = await api.get('/key/aliases', leadKey);
      assert.deepEqual(mine.body.aliases, [], "another user's aliases are not listed");
      const refused = await api.get('/key/aliases?team_id=not-mine', leadKey);
      assert.equal(refused.status, 403);
    });

    it('/key/{key}/reset_spend: proxy and team admins set a spent key back, within its spend', async () => {
      const { key, token } = (await post('/key/generate', {
        user_id: 'ann',
        team_id: teamId,
        max_budget: 0.01,
      })) as { key: string; token: string };
      for (let i = 0; i < 3; i++) {
        const r = await api.chat('priced', key);
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      await gateway.app.ledger?.flush();
      const spent = (await api.get(`/key/info?key=${key}`)).body.info.spend as number;
      assert.ok(spent > 0);

      const tooHigh = await api.post(`/key/${token}/reset_spend`, { reset_to: spent + 1 });
      assert.equal(tooHigh.status, 400);
      assert.match(JSON.stringify(tooHigh.body), /must be less than or equal to the current spend/);
      // The key's owner is not its team's admin: it may not forgive its own spend.
      const owner = await api.post(`/key/${token}/reset_spend`, { reset_to: 0 }, key);
      assert.equal(owner.status, 403, JSON.stringify(owner.body));

      const reset = await post(`/key/${key}/reset_spend`, { reset_to: 0 }, leadKey);
      assert.equal(reset.spend, 0);
      assert.equal(reset.previous_spend, spent);
      assert.equal((await api.get(`/key/info?key=${key}`)).body.info.spend, 0);
      // The logs stay.
      const logs = await api.get(`/spend/logs?api_key=${token}`);
      assert.equal((logs.body as unknown[]).length, 3);
    });

    it('/key/list: sort_by, include_team_keys and include_created_by_keys', async () => {
      const byAlias = await api.get(
        '/key/list?sort_by=key_alias&sort_order=asc&size=100&return_full_object=true',
      );
      assert.equal(byAlias.status, 200);
      const aliases = (byAlias.body.keys as { key_alias: string | null }[])
        .map((k) => k.key_alias)
        .filter((a): a is string => a !== null);
      assert.ok(aliases.length >= 3);
      assert.deepEqual(aliases, [...aliases].sort(), 'in alias order');
      const bad = await api.get('/key/list?sort_by=token');
      assert.equal(bad.status, 422);

      // Lead administers the team: with include_team_keys it sees Ann's key of that team.
      const teamKey = (await post('/key/generate', { user_id: 'ann', team_id: teamId })) as {
        token: string;
      };
      const own = await api.get('/key/list?size=100', leadKey);
      assert.ok(!(own.body.keys as string[]).includes(teamKey.token));
      const withTeam = await api.get('/key/list?size=100&include_team_keys=true', leadKey);
      assert.ok((withTeam.body.keys as string[]).includes(teamKey.token));
      // Ann is a member, not an admin: include_team_keys adds nothing of others'.
      const annView = await api.get('/key/list?size=100&include_team_keys=true', annKey);
      for (const token of annView.body.keys as string[]) {
        const info = await api.get(`/key/info?key=${token}`);
        assert.equal(info.body.info.user_id, 'ann');
      }
    });

    it('/key/health: healthy for any key that authenticates, GET or POST', async () => {
      for (const key of [MASTER_KEY, annKey]) {
        const got = await api.get('/key/health', key);
        assert.deepEqual(got.body, { key: 'healthy', logging_callbacks: null });
        const posted = await api.post('/key/health', {}, key);
        assert.equal(posted.status, 200);
      }
      const anonymous = await fetch(`${gateway.url}/key/health`);
      assert.equal(anonymous.status, 401);
    });

    it('/key/bulk_update: each update on its own, for proxy admins only', async () => {
      const a = (await post('/key/generate', {})).key as string;
      const b = (await post('/key/generate', {})).key as string;
      const result = await post('/key/bulk_update', {
        keys: [
          { key: a, max_budget: 7 },
          { key: 'sk-not-a-key', max_budget: 1 },
          { key: b, metadata: { owner: 'ops' } },
        ],
      });
      assert.equal(result.total_requested, 3);
      assert.deepEqual(
        (result.successful_updates as { key: string }[]).map((u) => u.key),
        [a, b],
      );
      assert.deepEqual(result.failed_updates, [
        { key: 'sk-not-a-key', failed_reason: 'Key not found' },
      ]);
      assert.equal((await api.get(`/key/info?key=${a}`)).body.info.max_budget, 7);
      assert.deepEqual((await api.get(`/key/info?key=${b}`)).body.info.metadata, {
        owner: 'ops',
      });

      const refused = await api.post('/key/bulk_update', { keys: [{ key: a }] }, leadKey);
      assert.ok(refused.status === 401 || refused.status === 403, JSON.stringify(refused.body));
      const tooMany = await api.post('/key/bulk_update', {
        keys: Array.from({ length: 501 }, () => ({ key: a })),
      });
      assert.equal(tooMany.status, 422);
    });
  });
}
