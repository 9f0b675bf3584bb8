/**
 * `/v2/team/list`, the paginated team list the Teams page reads, on both databases: pages in
 * the order of `/team/list` (alias, teams without one last), an alias search in any case, the
 * total, and the caller's scope (a member sees only its teams and may not ask for another's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

interface TeamPage {
  teams: { team_id: string; team_alias: string | null; members_with_roles: unknown[] }[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

for (const database of await testDatabases()) {
  describe(`/v2/team/list on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let memberKey = '';

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      // Made out of order: the list sorts them.
      for (const n of [7, 3, 12, 1, 9, 5, 11, 2, 8, 4, 10, 6]) {
        const alias = `Squad ${String(n).padStart(2, '0')}`;
        const made = await api.post('/team/new', { team_id: `t-${n}`, team_alias: alias });
        assert.equal(made.status, 200, JSON.stringify(made.body));
      }
      assert.equal((await api.post('/team/new', { team_id: 't-none' })).status, 200);
      const member = await api.post('/user/new', { user_id: 'm', user_role: 'internal_user' });
      memberKey = member.body.key as string;
      for (const teamId of ['t-3', 't-none']) {
        const added = await api.post('/team/member_add', {
          team_id: teamId,
          member: { user_id: 'm', role: 'user' },
        });
        assert.equal(added.status, 200, JSON.stringify(added.body));
      }
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    it('pages in alias order with the total, teams without an alias last', async () => {
      const second = await api.get('/v2/team/list?page=2&page_size=5');
      assert.equal(second.status, 200, JSON.stringify(second.body));
      const body = second.body as TeamPage;
      assert.deepEqual(
        body.teams.map((t) => t.team_alias),
        ['Squad 06', 'Squad 07', 'Squad 08', 'Squad 09', 'Squad 10'],
      );
      assert.deepEqual(
        { total: body.total, page: body.page, page_size: body.page_size, pages: body.total_pages },
        { total: 13, page: 2, page_size: 5, pages: 3 },
      );
      const last = (await api.get('/v2/team/list?page=3&page_size=5')).body as TeamPage;
      assert.deepEqual(
        last.teams.map((t) => t.team_id),
        ['t-11', 't-12', 't-none'],
      );
      const whole = (await api.get('/team/list')).body as { team_id: string }[];
      const paged = [1, 2, 3].map(
        async (page) =>
          ((await api.get(`/v2/team/list?page=${page}&page_size=5`)).body as TeamPage).teams,
      );
      assert.deepEqual(
        (await Promise.all(paged)).flat().map((t) => t.team_id),
        whole.map((t) => t.team_id),
      );
    });

    it('searches aliases in any case, and by id', async () => {
      const found = (await api.get('/v2/team/list?team_alias=QUAD%200')).body as TeamPage;
      assert.equal(found.total, 9);
      assert.ok(found.teams.every((t) => t.team_alias?.startsWith('Squad 0')));
      const one = (await api.get('/v2/team/list?team_id=t-4')).body as TeamPage;
      assert.deepEqual(
        one.teams.map((t) => t.team_alias),
        ['Squad 04'],
      );
    });

    it("shows a member only its teams with their members, and refuses another user's", async () => {
      const own = await api.get('/v2/team/list', memberKey);
      assert.equal(own.status, 200, JSON.stringify(own.body));
      const body = own.body as TeamPage;
      assert.deepEqual(
        body.teams.map((t) => [t.team_id, t.members_with_roles.length]),
        [
          ['t-3', 1],
          ['t-none', 1],
        ],
      );
      assert.equal(body.total, 2);
      const other = await api.get('/v2/team/list?user_id=someone-else', memberKey);
      assert.equal(other.status, 401, JSON.stringify(other.body));
    });
  });
}
