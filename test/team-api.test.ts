/**
 * The /team/* admin API over HTTP against a real gateway, on every database: LiteLLM's fields,
 * statuses and messages (conformance cases 10, 62–66, 68, 70–73), team admins managing their
 * team, changes reaching the request path at once, and that a rejected request changes no row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [
    { model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } },
    { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
  ],
  general_settings: { master_key: MASTER_KEY },
  litellm_settings: {
    max_internal_user_budget: 7,
    default_internal_user_params: { models: ['gpt-4o-mini'], available_teams: ['open-team'] },
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CALL_NOT_ALLOWED = (route: string, team: string) =>
  `Call not allowed. User not proxy admin OR team admin. route=${route}, team_id=${team}`;

type Member = { role: string; user_id: string; user_email: string | null };

for (const database of await testDatabases()) {
  describe(`/team/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keyOf: Record<string, string> = {};

    const rows = async (table: 'users' | 'keys' | 'teams' | 'team_members') => {
      const row = await opened.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(row?.n);
    };
    const counts = async () =>
      Promise.all((['users', 'keys', 'teams', 'team_members'] as const).map(rows));

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      for (const [id, role] of [
        ['lead', 'internal_user'],
        ['dev', 'internal_user'],
        ['outsider', 'internal_user'],
        ['viewer', 'proxy_admin_viewer'],
        ['boss', 'proxy_admin'],
      ] as const) {
        const r = await api.post('/user/new', {
          user_id: id,
          user_role: role,
          user_email: `${id}@corp.io`,
        });
        assert.equal(r.status, 200);
        keyOf[id] = r.body.key;
      }
      const team = await api.post('/team/new', {
        team_id: 'core',
        team_alias: 'Core',
        members_with_roles: [
          { role: 'admin', user_id: 'lead' },
          { role: 'user', user_id: 'dev' },
        ],
      });
      assert.equal(team.status, 200);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    describe('POST /team/new', () => {
      it('(case 62) by a proxy admin: a uuid team, then {team_id, team_info, keys, team_memberships}', async () => {
        const { status, body } = await api.post('/team/new', { team_alias: 't' });
        assert.equal(status, 200);
        assert.match(body.team_id, UUID);
        assert.equal(body.team_alias, 't');
        assert.deepEqual(body.members_with_roles, [], 'the master key joins no team');
        const info = await api.get(`/team/info?team_id=${body.team_id}`);
        assert.equal(info.status, 200);
        assert.deepEqual(Object.keys(info.body).sort(), [
          'keys',
          'team_id',
          'team_info',
          'team_memberships',
        ]);
        assert.equal(info.body.team_id, body.team_id);
        assert.equal(info.body.team_info.team_alias, 't');
        assert.deepEqual(info.body.keys, []);
        assert.deepEqual(info.body.team_memberships, []);
      });

      it('stores every field and its members, by id, by email in any case, or new', async () => {
        const before = Date.now();
        const settings = {
          team_alias: 'Everything',
          models: ['gpt-4o-mini'],
          model_aliases: { fast: 'gpt-4o-mini' },
          max_budget: 50,
          soft_budget: 40,
          budget_duration: '7d',
          tpm_limit: 1000,
          rpm_limit: 100,
          max_parallel_requests: 3,
          metadata: { cost_center: 'cc-1' },
          blocked: false,
        };
        const { status, body } = await api.post('/team/new', {
          team_id: 'everything',
          ...settings,
          members_with_roles: [
            { role: 'admin', user_email: 'LEAD@corp.io' },
            { user_email: 'newcomer@corp.io' },
          ],
          admins: ['dev'],
        });
        assert.equal(status, 200, JSON.stringify(body));
        for (const [field, value] of Object.entries(settings)) {
          assert.deepEqual(body[field], value, `echoes ${field}`);
        }
        assert.equal(body.spend, 0);
        assert.ok(Math.abs(Date.parse(body.budget_reset_at) - before - 7 * 86_400_000) < 10_000);
        const newcomer = body.members_with_roles.find(
          (m: Member) => m.user_email === 'newcomer@corp.io',
        );
        assert.match(newcomer.user_id, UUID);
        assert.deepEqual(
          body.members_with_roles.filter(
            (m: Member) => m.user_id === 'lead' || m.user_id === 'dev',
          ),
          [
            { role: 'admin', user_id: 'dev', user_email: 'dev@corp.io' },
            { role: 'admin', user_id: 'lead', user_email: 'lead@corp.io' },
          ],
          'members who joined together are listed by id',
        );
        assert.equal(newcomer.role, 'user');
        assert.deepEqual(body.admins, ['dev', 'lead']);
        const made = await api.get(`/user/info?user_id=${newcomer.user_id}`);
        assert.equal(made.body.user_info.user_role, 'internal_user');
        assert.equal(made.body.user_info.max_budget, 7, 'operator defaults apply');
        assert.deepEqual(made.body.user_info.teams, ['everything']);
      });

      it('the user who creates it (not the master key) becomes its admin', async () => {
        const { body } = await api.post('/team/new', { team_id: 'boss-team' }, keyOf.boss);
        assert.deepEqual(body.members_with_roles, [
          { role: 'admin', user_id: 'boss', user_email: 'boss@corp.io' },
        ]);
      });

      it('(case 63) an existing team id: 400, and refusals write nothing', async () => {
        const before = await counts();
        const dup = await api.post('/team/new', {
          team_id: 'core',
          members_with_roles: [{ user_email: 'never-made@corp.io' }],
        });
        assert.equal(dup.status, 400);
        assert.equal(
          dup.body.error.message,
          'Team id = core already exists. Please use a different team id.',
        );
        const cases: [Record<string, unknown>, number, string][] = [
          [{ organization_id: 'org-1' }, 400, 'Organization not found for organization_id=org-1'],
          [{ max_budget: -5 }, 400, 'max_budget cannot be negative. Received: -5'],
          [{ budget_duration: 'soon' }, 400, 'Invalid duration format, passed duration: soon'],
        ];
        for (const [body, status, message] of cases) {
          const r = await api.post('/team/new', { ...body, members: ['someone-new'] });
          assert.equal(r.status, status, JSON.stringify(body));
          assert.equal(r.body.error.message, message);
        }
        for (const [body, param] of [
          [
            { members_with_roles: [{ role: 'owner', user_id: 'dev' }] },
            'members_with_roles[0].role',
          ],
          [{ members_with_roles: [{ role: 'user' }] }, 'members_with_roles[0]'],
          [{ models: 'gpt-4o' }, 'models'],
          [{ model_aliases: { a: 1 } }, 'model_aliases.a'],
        ] as const) {
          const r = await api.post('/team/new', body);
          assert.equal(r.status, 422, JSON.stringify(body));
          assert.equal(r.body.error.param, param);
        }
        const missing = await api.post('/team/new', {
          members_with_roles: [{ role: 'user' }],
        });
        assert.equal(
          missing.body.error.message,
          'members_with_roles[0]: Either user_id or user_email must be provided',
        );
        assert.deepEqual(await counts(), before);
      });

      it('is for proxy admins only', async () => {
        const r = await api.post('/team/new', {}, keyOf.lead);
        assert.equal(r.status, 401);
        assert.match(r.body.error.message, /Route=\/team\/new\. Your role=internal_user/);
        assert.equal((await api.post('/team/new', {}, keyOf.viewer)).status, 403);
      });
    });

    describe('GET /team/info', () => {
      it('members, viewers and the team’s own keys read it; (case 70) others get 403', async () => {
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'core' });
        const { body: expired } = await api.post('/key/generate', {
          team_id: 'core',
          duration: '1s',
        });
        for (const key of [keyOf.lead, keyOf.dev, keyOf.viewer, teamKey.key]) {
          assert.equal((await api.get('/team/info?team_id=core', key)).status, 200);
        }
        const denied = await api.get('/team/info?team_id=core', keyOf.outsider);
        assert.equal(denied.status, 403);
        assert.equal(
          denied.body.error.message,
          'User=outsider not authorized to access this team=core',
        );
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const { body } = await api.get('/team/info?team_id=core');
        const tokens = body.keys.map((k: { token: string }) => k.token);
        assert.ok(tokens.includes(teamKey.token));
        assert.ok(!tokens.includes(expired.token), 'expired keys are left out');
        assert.deepEqual(
          body.team_memberships.map((m: { user_id: string; role: string }) => [m.user_id, m.role]),
          [
            ['dev', 'user'],
            ['lead', 'admin'],
          ],
        );
      });

      it('no team id: 422; an unknown team: 404', async () => {
        const none = await api.get('/team/info');
        assert.equal(none.status, 422);
        assert.equal(none.body.error.message, 'Malformed request. No team id passed in.');
        const unknown = await api.get('/team/info?team_id=nope');
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error.message, 'Team not found, passed team id: nope.');
      });
    });

    describe('GET /team/list', () => {
      it('admins and viewers see every team, by alias; users their own', async () => {
        const all = await api.get('/team/list');
        assert.equal(all.status, 200);
        const aliases = all.body
          .map((t: { team_alias: string | null }) => t.team_alias)
          .filter((a: string | null) => a !== null);
        assert.deepEqual(aliases, [...aliases].sort());
        assert.ok(all.body.length >= 4);
        assert.equal((await api.get('/team/list', keyOf.viewer)).body.length, all.body.length);
        const own = await api.get('/team/list', keyOf.dev);
        assert.deepEqual(own.body.map((t: { team_id: string }) => t.team_id).sort(), [
          'core',
          'everything',
        ]);
        const core = own.body.find((t: { team_id: string }) => t.team_id === 'core');
        assert.ok(Array.isArray(core.keys) && core.keys.length > 0);
        assert.equal(core.team_memberships.length, 2);
        const self = await api.get('/team/list?user_id=dev', keyOf.dev);
        assert.equal(self.status, 200);
        const forAdmin = await api.get('/team/list?user_id=outsider');
        assert.deepEqual(forAdmin.body, []);
        const noOrg = await api.get('/team/list?organization_id=default_organization');
        assert.equal(noOrg.body.length, all.body.length);
      });

      it('(case 73) a user asking for another user’s teams: 401', async () => {
        const r = await api.get('/team/list?user_id=lead', keyOf.dev);
        assert.equal(r.status, 401);
        assert.equal(
          r.body.error.message,
          'Only admin users can query all teams/other teams. Your user role=internal_user',
        );
      });
    });

    describe('POST /team/update', () => {
      it('a proxy admin changes any setting; (case 10) narrowed models refuse team keys at once', async () => {
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'core' });
        assert.equal((await api.chat('gpt-4o', teamKey.key)).status, 200);
        const r = await api.post('/team/update', {
          team_id: 'core',
          models: ['gpt-4o-mini'],
          max_budget: 9,
          metadata: { updated: true },
        });
        assert.equal(r.status, 200);
        assert.equal(r.body.team_id, 'core');
        assert.deepEqual(r.body.data.models, ['gpt-4o-mini']);
        assert.equal(r.body.data.max_budget, 9);
        assert.equal(r.body.data.team_alias, 'Core', 'the rest is kept');
        const refused = await api.chat('gpt-4o', teamKey.key);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error.type, 'team_model_access_denied');
        assert.equal(
          refused.body.error.message,
          "Team not allowed to access model. Team=core, Model=gpt-4o. Allowed team models = ['gpt-4o-mini']",
        );
        await api.post('/team/update', { team_id: 'core', models: [] });
        assert.equal((await api.chat('gpt-4o', teamKey.key)).status, 200);
      });

      it('a team admin changes the alias, metadata and model aliases, nothing else; members nothing', async () => {
        const before = await opened.store.teams.findById('core');
        const budget = await api.post(
          '/team/update',
          { team_id: 'core', max_budget: 1e6 },
          keyOf.lead,
        );
        assert.equal(budget.status, 403);
        assert.match(
          budget.body.error.message,
          /^Only proxy admins can update max_budget of a team/,
        );
        const member = await api.post(
          '/team/update',
          { team_id: 'core', team_alias: 'x' },
          keyOf.dev,
        );
        assert.equal(member.status, 403);
        assert.equal(member.body.error.message, CALL_NOT_ALLOWED('/team/update', 'core'));
        assert.deepEqual(await opened.store.teams.findById('core'), before);
        const ok = await api.post(
          '/team/update',
          { team_id: 'core', team_alias: 'Core Team', model_aliases: { fast: 'gpt-4o-mini' } },
          keyOf.lead,
        );
        assert.equal(ok.status, 200);
        assert.equal(ok.body.data.team_alias, 'Core Team');
      });

      it('no team id: 400; an unknown team: 404', async () => {
        const none = await api.post('/team/update', { team_alias: 'x' });
        assert.equal(none.status, 400);
        assert.equal(none.body.error.message, 'No team id passed in');
        const unknown = await api.post('/team/update', { team_id: 'nope', team_alias: 'x' });
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error.message, 'Team not found, passed team_id=nope');
      });
    });

    describe('POST /team/model/add and /team/model/delete', () => {
      it("add and remove models of a team's list; its keys follow at once", async () => {
        await api.post('/team/new', {
          team_id: 'models-team',
          models: ['gpt-4o-mini'],
          members_with_roles: [
            { role: 'admin', user_id: 'lead' },
            { role: 'user', user_id: 'dev' },
          ],
        });
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'models-team' });
        assert.equal((await api.chat('gpt-4o', teamKey.key)).status, 401);

        const added = await api.post('/team/model/add', {
          team_id: 'models-team',
          models: ['gpt-4o', 'gpt-4o-mini'],
        });
        assert.equal(added.status, 200, JSON.stringify(added.body));
        assert.deepEqual(added.body.models, ['gpt-4o-mini', 'gpt-4o']);
        assert.equal((await api.chat('gpt-4o', teamKey.key)).status, 200);

        // The team's admin removes one; the key loses it at once.
        const removed = await api.post(
          '/team/model/delete',
          { team_id: 'models-team', models: ['gpt-4o'] },
          keyOf.lead,
        );
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
        assert.deepEqual(removed.body.models, ['gpt-4o-mini']);
        assert.equal((await api.chat('gpt-4o', teamKey.key)).status, 401);
      });

      it('refuses what would widen a team: a team admin adding, the last model leaving', async () => {
        const before = await opened.store.teams.findById('models-team');
        const byAdmin = await api.post(
          '/team/model/add',
          { team_id: 'models-team', models: ['gpt-4o'] },
          keyOf.lead,
        );
        assert.equal(byAdmin.status, 403);
        assert.match(byAdmin.body.error.message, /Only proxy admins can add models to a team/);
        const byMember = await api.post(
          '/team/model/delete',
          { team_id: 'models-team', models: ['gpt-4o-mini'] },
          keyOf.dev,
        );
        assert.equal(byMember.status, 403);
        assert.equal(
          byMember.body.error.message,
          CALL_NOT_ALLOWED('/team/model/delete', 'models-team'),
        );
        const last = await api.post('/team/model/delete', {
          team_id: 'models-team',
          models: ['gpt-4o-mini'],
        });
        assert.equal(last.status, 400);
        assert.match(last.body.error.message, /would leave team models-team no models/);
        const toAll = await api.post('/team/model/add', { team_id: 'core', models: ['gpt-4o'] });
        assert.equal(toAll.status, 400, 'core lists no models: it has them all');
        const unknown = await api.post('/team/model/add', { team_id: 'nope', models: ['gpt-4o'] });
        assert.equal(unknown.status, 404);
        const empty = await api.post('/team/model/delete', { team_id: 'models-team', models: [] });
        assert.equal(empty.status, 422);
        assert.deepEqual(await opened.store.teams.findById('models-team'), before);
      });
    });

    describe('POST /team/member_add', () => {
      it('(case 64) an unknown user is made an internal user and joins; user.teams shows it', async () => {
        const r = await api.post('/team/member_add', {
          team_id: 'core',
          member: { role: 'user', user_id: 'new-user' },
          max_budget_in_team: 2,
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.ok(
          r.body.members_with_roles.some(
            (m: Member) => m.user_id === 'new-user' && m.role === 'user',
          ),
        );
        assert.equal(r.body.updated_users[0].user_id, 'new-user');
        assert.equal(r.body.updated_users[0].user_role, 'internal_user');
        assert.deepEqual(r.body.updated_users[0].models, ['gpt-4o-mini'], 'operator defaults');
        assert.equal(r.body.updated_team_memberships[0].max_budget_in_team, 2);
        const info = await api.get('/user/info?user_id=new-user');
        assert.deepEqual(info.body.user_info.teams, ['core']);
      });

      it('(case 65) the same member again: 400 team_member_already_in_team', async () => {
        const before = await counts();
        const r = await api.post('/team/member_add', {
          team_id: 'core',
          member: { role: 'user', user_id: 'new-user' },
        });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.type, 'team_member_already_in_team');
        assert.equal(
          r.body.error.message,
          "User already in team. Member: user_id=new-user, user_email=None. Existing members=['dev', 'lead', 'new-user']",
        );
        const all = await api.post('/team/member_add', {
          team_id: 'core',
          member: [{ user_id: 'lead' }, { user_email: 'DEV@corp.io' }],
        });
        assert.equal(all.status, 400);
        assert.match(all.body.error.message, /^All users are already in team\. /);
        assert.deepEqual(await counts(), before);
      });

      it('by email: an existing user in any case, or a new one; a list adds the new ones', async () => {
        const r = await api.post('/team/member_add', {
          team_id: 'boss-team',
          member: [
            { user_email: 'OUTSIDER@corp.io' },
            { user_email: 'fresh@corp.io', role: 'admin' },
            { user_id: 'boss' },
          ],
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const members: Member[] = r.body.members_with_roles;
        assert.ok(members.some((m) => m.user_id === 'outsider' && m.role === 'user'));
        const fresh = members.find((m) => m.user_email === 'fresh@corp.io');
        assert.match(fresh?.user_id ?? '', UUID);
        assert.equal(fresh?.role, 'admin');
        assert.deepEqual(
          r.body.updated_users.map((u: { user_email: string }) => u.user_email).sort(),
          ['fresh@corp.io', 'outsider@corp.io'],
        );
      });

      it('(case 66) a team member who is not its admin: 403; its admin may', async () => {
        const before = await counts();
        const r = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'dev-friend' } },
          keyOf.dev,
        );
        assert.equal(r.status, 403);
        assert.equal(r.body.error.message, CALL_NOT_ALLOWED('/team/member_add', 'core'));
        const outsider = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'x' } },
          keyOf.outsider,
        );
        assert.equal(outsider.status, 403);
        const viewer = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'x' } },
          keyOf.viewer,
        );
        assert.equal(viewer.status, 403);
        assert.deepEqual(await counts(), before);
        const lead = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'lead-pick' } },
          keyOf.lead,
        );
        assert.equal(lead.status, 200);
      });

      it('an unknown team: 404; no member named: 422', async () => {
        const r = await api.post('/team/member_add', { team_id: 'nope', member: { user_id: 'a' } });
        assert.equal(r.status, 404);
        assert.equal(
          r.body.error.message,
          "Team doesn't exist in db. Team=nope. Create team via `/team/new` call.",
        );
        const none = await api.post('/team/member_add', {
          team_id: 'core',
          member: { role: 'user' },
        });
        assert.equal(none.status, 422);
        assert.equal(none.body.error.param, 'member');
        const bad = await api.post('/team/member_add', {
          team_id: 'core',
          member: { user_id: 'a' },
          max_budget_in_team: -1,
        });
        assert.equal(bad.status, 422);
        assert.equal(bad.body.error.param, 'max_budget_in_team');
      });

      it('(case 68) a user outside a team cannot make keys for it; once added it can', async () => {
        const outside = await api.post('/key/generate', { team_id: 'core' }, keyOf.outsider);
        assert.equal(outside.status, 400);
        assert.equal(outside.body.error.message, 'User=outsider not assigned to team=core');
        await api.post('/team/member_add', { team_id: 'core', member: { user_id: 'outsider' } });
        const inside = await api.post('/key/generate', { team_id: 'core' }, keyOf.outsider);
        assert.equal(inside.status, 200);
      });
    });

    describe('POST /team/bulk_member_add', () => {
      it('adds each member on its own: one already in the team fails alone', async () => {
        const made = await api.post('/team/new', {
          team_id: 'bulk-a',
          members_with_roles: [{ role: 'user', user_id: 'dev' }],
        });
        assert.equal(made.status, 200, JSON.stringify(made.body));
        const r = await api.post('/team/bulk_member_add', {
          team_id: 'bulk-a',
          members: [
            { user_id: 'outsider', role: 'admin' },
            { user_email: 'bulk-new@corp.io' },
            { user_id: 'dev' },
          ],
          max_budget_in_team: 3,
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.team_id, 'bulk-a');
        assert.equal(r.body.total_requested, 3);
        assert.equal(r.body.successful_additions, 2);
        assert.equal(r.body.failed_additions, 1);
        const [outsider, fresh, dev] = r.body.results;
        assert.equal(outsider.success, true);
        assert.equal(outsider.updated_team_membership.max_budget_in_team, 3);
        assert.equal(fresh.user_email, 'bulk-new@corp.io');
        assert.equal(fresh.updated_user.user_role, 'internal_user', 'made like /team/member_add');
        assert.equal(dev.success, false);
        assert.match(dev.error, /^User already in team\. Member: user_id=dev/);
        const roles = Object.fromEntries(
          (r.body.updated_team.members_with_roles as Member[]).map((m) => [m.user_id, m.role]),
        );
        assert.equal(roles.outsider, 'admin');
        assert.equal(roles.dev, 'user');
        assert.equal(Object.keys(roles).length, 3);
      });

      it('all_users: every user of the gateway joins as a user (proxy admins only)', async () => {
        assert.equal((await api.post('/team/new', { team_id: 'bulk-all' })).status, 200);
        const users = await api.get('/user/list?page_size=100');
        const total = users.body.total as number;
        const lead = await api.post(
          '/team/bulk_member_add',
          { team_id: 'core', all_users: true },
          keyOf.lead,
        );
        assert.equal(lead.status, 403, 'a team admin may not enrol everyone');
        assert.match(lead.body.error.message, /Only proxy admins can add all users to a team/);
        const r = await api.post('/team/bulk_member_add', { team_id: 'bulk-all', all_users: true });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.total_requested, total);
        assert.equal(r.body.successful_additions, total);
        const members = r.body.updated_team.members_with_roles as Member[];
        assert.equal(members.length, total);
        assert.ok(members.every((m) => m.role === 'user'));
      });

      it('a team admin adds members to its own team, and no other', async () => {
        const own = await api.post(
          '/team/bulk_member_add',
          { team_id: 'core', members: [{ user_id: 'bulk-by-lead' }] },
          keyOf.lead,
        );
        assert.equal(own.status, 200, JSON.stringify(own.body));
        assert.equal(own.body.successful_additions, 1);
        const before = await counts();
        const other = await api.post(
          '/team/bulk_member_add',
          { team_id: 'bulk-a', members: [{ user_id: 'bulk-sneaky' }] },
          keyOf.lead,
        );
        assert.equal(other.status, 403);
        assert.equal(other.body.error.message, CALL_NOT_ALLOWED('/team/bulk_member_add', 'bulk-a'));
        assert.deepEqual(await counts(), before);
      });

      it('bad input: a clear 4xx and nothing changes', async () => {
        const before = await counts();
        for (const [body, status, message] of [
          [{ team_id: 'core' }, 422, /At least one member is required/],
          [{ team_id: 'core', members: [] }, 422, /At least one member is required/],
          [{ team_id: 'core', members: [{ role: 'user' }] }, 422, /Either user_id or user_email/],
          [
            {
              team_id: 'core',
              members: Array.from({ length: 501 }, (_, i) => ({ user_id: `m${i}` })),
            },
            422,
            /Maximum 500 members can be added at once/,
          ],
          [{ team_id: 'nope', members: [{ user_id: 'x' }] }, 404, /nope/],
        ] as const) {
          const r = await api.post('/team/bulk_member_add', body);
          assert.equal(r.status, status, JSON.stringify(r.body));
          assert.match(r.body.error.message, message);
        }
        assert.deepEqual(await counts(), before);
      });
    });

    describe('teams users join on their own (available_teams)', () => {
      it('GET /team/available lists them until the caller has joined; it joins as a user', async () => {
        const made = await api.post('/team/new', { team_id: 'open-team', team_alias: 'Open' });
        assert.equal(made.status, 200, JSON.stringify(made.body));
        const before = await api.get('/team/available', keyOf.outsider);
        assert.equal(before.status, 200, JSON.stringify(before.body));
        assert.deepEqual(
          (before.body as { team_id: string }[]).map((t) => t.team_id),
          ['open-team'],
        );
        const joined = await api.post(
          '/team/member_add',
          { team_id: 'open-team', member: { user_email: 'OUTSIDER@corp.io' } },
          keyOf.outsider,
        );
        assert.equal(joined.status, 200, JSON.stringify(joined.body));
        const me = (joined.body.members_with_roles as Member[]).find(
          (m) => m.user_id === 'outsider',
        );
        assert.equal(me?.role, 'user');
        assert.deepEqual((await api.get('/team/available', keyOf.outsider)).body, []);
        const key = await api.post('/key/generate', { team_id: 'open-team' }, keyOf.outsider);
        assert.equal(key.status, 200, 'a member now: it makes keys for the team');
      });

      it('nobody adds another, or itself as admin, or joins a team that is not open', async () => {
        const before = await counts();
        for (const [team_id, member] of [
          ['open-team', { user_id: 'viewer' }],
          ['open-team', { user_id: 'dev', role: 'admin' }],
          ['core', { user_id: 'dev' }],
        ] as const) {
          const caller = member.user_id === 'dev' ? keyOf.dev : keyOf.outsider;
          const r = await api.post('/team/member_add', { team_id, member }, caller);
          assert.equal(r.status, 403, JSON.stringify({ team_id, member, body: r.body }));
          assert.equal(r.body.error.message, CALL_NOT_ALLOWED('/team/member_add', team_id));
        }
        assert.deepEqual(await counts(), before);
      });

      it('a caller without a user of its own has no teams to join: 404', async () => {
        const r = await api.get('/team/available');
        assert.equal(r.status, 404);
        assert.equal(r.body.error.message, 'User not found');
      });
    });

    describe('POST /team/member_update', () => {
      it('changes a member’s role and budget; a promoted member manages the team at once', async () => {
        const denied = await api.post(
          '/team/member_update',
          { team_id: 'core', user_id: 'dev', role: 'admin' },
          keyOf.dev,
        );
        assert.equal(denied.status, 403);
        assert.equal(denied.body.error.message, CALL_NOT_ALLOWED('/team/member_update', 'core'));
        const r = await api.post(
          '/team/member_update',
          {
            team_id: 'core',
            user_email: 'Dev@corp.io',
            role: 'admin',
            max_budget_in_team: 3,
            tpm_limit: 50,
          },
          keyOf.lead,
        );
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, {
          team_id: 'core',
          user_id: 'dev',
          user_email: 'dev@corp.io',
          role: 'admin',
          max_budget_in_team: 3,
          budget_duration: null,
          tpm_limit: 50,
          rpm_limit: null,
        });
        const now = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'dev-pick' } },
          keyOf.dev,
        );
        assert.equal(now.status, 200);
        await api.post('/team/member_update', { team_id: 'core', user_id: 'dev', role: 'user' });
        const again = await api.post(
          '/team/member_add',
          { team_id: 'core', member: { user_id: 'dev-pick-2' } },
          keyOf.dev,
        );
        assert.equal(again.status, 403);
      });

      it('not a member: 400; an unknown team: 400; a bad role: 422', async () => {
        const stranger = await api.post('/team/member_update', {
          team_id: 'core',
          user_id: 'boss',
          role: 'admin',
        });
        assert.equal(stranger.status, 400);
        assert.equal(stranger.body.error.message, 'User not found in team');
        const team = await api.post('/team/member_update', { team_id: 'nope', user_id: 'dev' });
        assert.equal(team.body.error.message, 'Team id=nope does not exist in db');
        const role = await api.post('/team/member_update', {
          team_id: 'core',
          user_id: 'dev',
          role: 'owner',
        });
        assert.equal(role.status, 422);
        assert.equal(role.body.error.param, 'role');
      });
    });

    describe('POST /team/member_delete', () => {
      it('a team admin takes a member out; its keys for the team stop at once, the user stays', async () => {
        const { body: teamKey } = await api.post('/key/generate', {
          team_id: 'core',
          user_id: 'lead-pick',
        });
        const { body: ownKey } = await api.post('/key/generate', { user_id: 'lead-pick' });
        assert.equal((await api.chat('gpt-4o-mini', teamKey.key)).status, 200);
        const denied = await api.post(
          '/team/member_delete',
          { team_id: 'core', user_id: 'lead-pick' },
          keyOf.dev,
        );
        assert.equal(denied.status, 403);
        assert.equal(denied.body.error.message, CALL_NOT_ALLOWED('/team/member_delete', 'core'));
        const r = await api.post(
          '/team/member_delete',
          { team_id: 'core', user_id: 'lead-pick' },
          keyOf.lead,
        );
        assert.equal(r.status, 200);
        assert.ok(!r.body.members.includes('lead-pick'));
        assert.equal((await api.chat('gpt-4o-mini', teamKey.key)).status, 401);
        assert.equal((await api.chat('gpt-4o-mini', ownKey.key)).status, 200);
        assert.ok(await opened.store.users.findById('lead-pick'));
      });

      it('not a member: 400; an unknown team: 400; neither id nor email: 422', async () => {
        const r = await api.post('/team/member_delete', { team_id: 'core', user_id: 'boss' });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.message, 'User not found in team');
        const team = await api.post('/team/member_delete', { team_id: 'nope', user_id: 'dev' });
        assert.equal(team.status, 400);
        assert.equal(team.body.error.message, 'Team id=nope does not exist in db');
        const none = await api.post('/team/member_delete', { team_id: 'core' });
        assert.equal(none.status, 422);
        assert.equal(none.body.error.message, 'Either user_id or user_email must be provided');
      });
    });

    describe('POST /team/block and /team/unblock', () => {
      it('(case 71) a blocked team’s keys are refused at once; unblocked they work', async () => {
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'core' });
        const blocked = await api.post('/team/block', { team_id: 'core' });
        assert.equal(blocked.status, 200);
        assert.equal(blocked.body.blocked, true);
        const refused = await api.chat('gpt-4o-mini', teamKey.key);
        assert.equal(refused.status, 401);
        assert.equal(
          refused.body.error.message,
          "Authentication Error, Team=core is blocked. Update via `/team/unblock` if you're an admin.",
        );
        assert.equal((await api.chat('gpt-4o-mini', keyOf.dev)).status, 200, 'personal keys work');
        const unblocked = await api.post('/team/unblock', { team_id: 'core' });
        assert.equal(unblocked.body.blocked, false);
        assert.equal((await api.chat('gpt-4o-mini', teamKey.key)).status, 200);
      });

      it('an unknown team: 404; for proxy admins only, team admins included', async () => {
        const r = await api.post('/team/block', { team_id: 'nope' });
        assert.equal(r.status, 404);
        assert.equal(r.body.error.message, 'Team not found, passed team_id=nope');
        const lead = await api.post('/team/block', { team_id: 'core' }, keyOf.lead);
        assert.equal(lead.status, 401);
        assert.equal((await opened.store.teams.findById('core'))?.blocked, false);
      });
    });

    describe('POST /team/delete', () => {
      it('(case 72) deletes the team’s keys and memberships; again: 404', async () => {
        await api.post('/team/new', {
          team_id: 'doomed',
          members_with_roles: [{ user_id: 'dev' }],
        });
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'doomed' });
        assert.equal((await api.chat('gpt-4o-mini', teamKey.key)).status, 200);
        const r = await api.post('/team/delete', { team_ids: ['doomed'] });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.deleted_teams, ['doomed']);
        assert.equal(r.body.deleted_keys, 1);
        assert.equal((await api.chat('gpt-4o-mini', teamKey.key)).status, 401);
        const dev = await api.get('/user/info?user_id=dev');
        assert.ok(!dev.body.user_info.teams.includes('doomed'));
        const again = await api.post('/team/delete', { team_ids: ['doomed'] });
        assert.equal(again.status, 404);
        assert.equal(again.body.error.message, 'Team not found, passed team_id=doomed');
      });

      it('an unknown team among them: nothing deleted; for proxy admins only', async () => {
        const r = await api.post('/team/delete', { team_ids: ['core', 'nope'] });
        assert.equal(r.status, 404);
        assert.ok(await opened.store.teams.findById('core'));
        assert.equal(
          (await api.post('/team/delete', { team_ids: ['core'] }, keyOf.lead)).status,
          401,
        );
        assert.equal((await api.post('/team/delete', { team_ids: [] })).status, 422);
      });
    });
  });
}
