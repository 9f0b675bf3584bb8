/**
 * The /user/* admin API over HTTP against a real gateway, on every database: LiteLLM's fields,
 * statuses and messages (conformance cases 54–61), the operator's defaults for new internal
 * users, who may do what, changes reaching the request path at once, and that a rejected request
 * changes no row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { sha256 } from './helpers/records.js';

const CONFIG = {
  model_list: [
    { model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } },
    { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const WITH_DEFAULTS = {
  ...CONFIG,
  litellm_settings: {
    max_internal_user_budget: 10,
    internal_user_budget_duration: '1mo',
    default_internal_user_params: { models: ['gpt-4o-mini'], tpm_limit: 500 },
  },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const KEY_FORMAT = /^sk-[A-Za-z0-9_-]{22}$/;
const DAY = 86_400_000;

for (const database of await testDatabases()) {
  describe(`/user/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let withDefaults: TestGateway;
    let api: AdminClient;
    /** Raw keys of users made through the API, by user id. */
    const keyOf: Record<string, string> = {};

    /** A user made by the master key, with its key remembered. */
    const makeUser = async (body: Record<string, unknown>) => {
      const r = await api.post('/user/new', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      keyOf[r.body.user_id] = r.body.key;
      return r.body;
    };
    /** How many rows a table holds, to show that a refused request wrote nothing. */
    const rows = async (table: 'users' | 'keys' | 'team_members') => {
      const row = await opened.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirst();
      return Number(row?.n);
    };

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      withDefaults = await startGateway(WITH_DEFAULTS, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      await makeUser({ user_id: 'alice', user_role: 'internal_user', user_email: 'alice@x.io' });
      await makeUser({ user_id: 'bob', user_role: 'internal_user' });
      await makeUser({ user_id: 'viewer', user_role: 'proxy_admin_viewer' });
      await makeUser({ user_id: 'iuv', user_role: 'internal_user_viewer' });
      await makeUser({ user_id: 'boss', user_role: 'proxy_admin' });
      const team = await api.post('/team/new', {
        team_id: 'crew',
        members_with_roles: [
          { role: 'admin', user_id: 'alice' },
          { role: 'user', user_id: 'bob' },
        ],
      });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      await makeUser({ user_id: 'carol', teams: ['crew'] });
    });
    after(async () => {
      await gateway?.close();
      await withDefaults?.close();
      await opened?.close();
    });

    describe('POST /user/new', () => {
      it('(case 54) makes an internal user whose key works on LLM routes', async () => {
        const { status, body } = await api.post('/user/new', { user_role: 'internal_user' });
        assert.equal(status, 200);
        assert.match(body.user_id, UUID);
        assert.match(body.key, KEY_FORMAT);
        assert.equal(body.key_name, `sk-...${body.key.slice(-4)}`);
        assert.equal(body.user_role, 'internal_user');
        assert.ok(!('token' in body) && !('token_id' in body), 'no hash in the response');
        const info = await api.get(`/user/info?user_id=${body.user_id}`);
        assert.equal(info.status, 200);
        assert.equal(info.body.user_info.user_role, 'internal_user');
        assert.equal((await api.chat('gpt-4o-mini', body.key)).status, 200);
        const keyInfo = await api.get('/key/info', body.key);
        assert.equal(keyInfo.body.info.user_id, body.user_id);
        assert.equal(keyInfo.body.info.created_by, 'default_user_id');
      });

      it('stores every field; the key gets the user’s models and the key settings asked for', async () => {
        const before = Date.now();
        const request = {
          user_id: 'full',
          user_email: 'Full@Example.com',
          user_alias: 'Full User',
          user_role: 'internal_user',
          max_budget: 25,
          budget_duration: '30d',
          models: ['gpt-4o-mini'],
          tpm_limit: 1000,
          rpm_limit: 10,
          max_parallel_requests: 2,
          metadata: { dept: 'r&d' },
          key_alias: 'full-first-key',
          duration: '7d',
          password: 'correct horse battery',
        };
        const { status, body } = await api.post('/user/new', request);
        assert.equal(status, 200, JSON.stringify(body));
        const { key_alias: _a, duration: _d, password: _p, ...userFields } = request;
        for (const [field, value] of Object.entries(userFields)) {
          assert.deepEqual(body[field], value, `echoes ${field}`);
        }
        assert.deepEqual(body.teams, []);
        assert.equal(body.key_alias, 'full-first-key');
        assert.ok(Math.abs(Date.parse(body.expires) - (before + 7 * DAY)) < 10_000);
        assert.ok(Math.abs(Date.parse(body.budget_reset_at) - (before + 30 * DAY)) < 10_000);
        assert.ok(!JSON.stringify(body).includes('password'), 'no password field, ever');
        const key = await api.get('/key/info', body.key);
        assert.deepEqual(key.body.info.models, ['gpt-4o-mini']);
        assert.equal(key.body.info.max_budget, null, 'the budget is the user’s, not the key’s');
        const refused = await api.chat('gpt-4o', body.key);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error.type, 'key_model_access_denied');
        const info = await api.get('/user/info?user_id=full');
        for (const [field, value] of Object.entries(userFields)) {
          assert.deepEqual(info.body.user_info[field], value, `info shows ${field}`);
        }
        const row = await opened.database.db
          .selectFrom('users')
          .select('password_hash')
          .where('user_id', '=', 'full')
          .executeTakeFirst();
        assert.match(row?.password_hash ?? '', /^scrypt\$/);
        assert.ok(!row?.password_hash?.includes('correct horse'));
      });

      it('joins teams given as ids or objects, with the role and budget in each', async () => {
        await api.post('/team/new', { team_id: 'join-a' });
        await api.post('/team/new', { team_id: 'join-b' });
        const { body } = await api.post('/user/new', {
          user_id: 'joiner',
          teams: ['join-a', { team_id: 'join-b', user_role: 'admin', max_budget_in_team: 4 }],
        });
        assert.deepEqual(body.teams, ['join-a', 'join-b']);
        const b = await api.get('/team/info?team_id=join-b');
        assert.deepEqual(b.body.team_info.members_with_roles, [
          { role: 'admin', user_id: 'joiner', user_email: null },
        ]);
        assert.equal(b.body.team_memberships[0].max_budget_in_team, 4);
        const info = await api.get('/user/info?user_id=joiner');
        assert.deepEqual(
          info.body.teams.map((t: { team_id: string }) => t.team_id),
          ['join-a', 'join-b'],
        );
      });

      it('maps legacy roles and refuses unknown ones with a 422 naming the field', async () => {
        for (const [legacy, role] of [
          ['admin', 'proxy_admin'],
          ['app_owner', 'internal_user'],
          ['app_user', 'internal_user'],
        ] as const) {
          const { body } = await api.post('/user/new', { user_role: legacy });
          assert.equal(body.user_role, role, legacy);
        }
        const bad = await api.post('/user/new', { user_role: 'superuser' });
        assert.equal(bad.status, 422);
        assert.equal(bad.body.error.param, 'user_role');
      });

      it('(case 55) an existing id or email in any case: 409, and nothing is written', async () => {
        const counts = [await rows('users'), await rows('keys')];
        const id = await api.post('/user/new', { user_id: 'alice' });
        assert.equal(id.status, 409);
        assert.equal(id.body.error.message, 'User with id alice already exists');
        const email = await api.post('/user/new', { user_email: 'ALICE@X.IO' });
        assert.equal(email.status, 409);
        assert.equal(email.body.error.message, 'User with email ALICE@X.IO already exists');
        assert.deepEqual([await rows('users'), await rows('keys')], counts);
      });

      it('(case 56) auto_create_key false: no key in the response and no key row', async () => {
        const keys = await rows('keys');
        const { status, body } = await api.post('/user/new', {
          user_id: 'keyless',
          auto_create_key: false,
        });
        assert.equal(status, 200);
        assert.equal(body.key, null);
        assert.equal(await rows('keys'), keys);
        const info = await api.get('/user/info?user_id=keyless');
        assert.deepEqual(info.body.keys, []);
      });

      it('a refused key, an unknown team or a malformed body leaves no user behind', async () => {
        await api.post('/key/generate', { key_alias: 'alias-in-use' });
        const counts = [await rows('users'), await rows('keys'), await rows('team_members')];
        const cases: [Record<string, unknown>, number, string][] = [
          [
            { user_id: 'half', key_alias: 'alias-in-use', teams: ['crew'] },
            400,
            "Key with alias 'alias-in-use' already exists. Unique key aliases across all keys are required.",
          ],
          [
            { user_id: 'half', duration: 'forever' },
            400,
            'Invalid duration format, passed duration: forever',
          ],
          [
            { user_id: 'half', teams: ['crew', 'no-such-team'] },
            400,
            'Team id=no-such-team does not exist in db',
          ],
          [{ user_id: 'half', max_budget: -1 }, 400, 'max_budget cannot be negative. Received: -1'],
          [
            { user_id: 'half', budget_duration: '30' },
            400,
            'Unsupported duration unit, passed duration: 30',
          ],
        ];
        for (const [body, status, message] of cases) {
          const r = await api.post('/user/new', body);
          assert.equal(r.status, status, JSON.stringify(body));
          assert.equal(r.body.error.message, message);
        }
        for (const [body, field] of [
          [{ models: 'gpt-4o' }, 'models'],
          [{ password: 'short' }, 'password'],
          [{ teams: [{ user_role: 'admin' }] }, 'teams[0]'],
          [{ tpm_limit: 1.5 }, 'tpm_limit'],
          [{ auto_create_key: 'yes' }, 'auto_create_key'],
        ] as const) {
          const r = await api.post('/user/new', { user_id: 'half', ...body });
          assert.equal(r.status, 422, JSON.stringify(body));
          assert.equal(r.body.error.param, field);
        }
        assert.deepEqual(
          [await rows('users'), await rows('keys'), await rows('team_members')],
          counts,
        );
        assert.equal((await api.get('/user/info?user_id=half')).status, 404);
      });

      it('(case 57) the operator’s defaults fill in new internal users, and only what is unset', async () => {
        const defaults = adminClient(withDefaults.url, MASTER_KEY);
        const plain = await defaults.post('/user/new', { user_role: 'internal_user' });
        assert.equal(plain.body.max_budget, 10);
        assert.equal(plain.body.budget_duration, '1mo');
        assert.deepEqual(plain.body.models, ['gpt-4o-mini']);
        assert.equal(plain.body.tpm_limit, 500);
        const resetIn = Date.parse(plain.body.budget_reset_at) - Date.now();
        assert.ok(resetIn > 27 * DAY && resetIn < 32 * DAY);
        const key = await defaults.get('/key/info', plain.body.key);
        assert.deepEqual(key.body.info.models, ['gpt-4o-mini'], 'the key gets the default models');
        const viewer = await defaults.post('/user/new', { user_role: 'internal_user_viewer' });
        assert.equal(viewer.body.max_budget, 10);
        const explicit = await defaults.post('/user/new', {
          max_budget: 3,
          budget_duration: '1d',
          models: ['gpt-4o'],
          tpm_limit: 7,
        });
        assert.equal(explicit.body.user_role, 'internal_user');
        assert.equal(explicit.body.max_budget, 3);
        assert.equal(explicit.body.budget_duration, '1d');
        assert.deepEqual(explicit.body.models, ['gpt-4o']);
        assert.equal(explicit.body.tpm_limit, 7);
        const admin = await defaults.post('/user/new', { user_role: 'proxy_admin' });
        assert.equal(admin.body.max_budget, null, 'admins get no defaults');
        assert.deepEqual(admin.body.models, []);
        const noDefaults = await api.post('/user/new', { user_role: 'internal_user' });
        assert.equal(noDefaults.body.max_budget, null);
      });

      it('(case 58) only proxy admins reach it', async () => {
        const iu = await api.post('/user/new', { user_role: 'proxy_admin' }, keyOf.alice);
        assert.equal(iu.status, 401);
        assert.equal(
          iu.body.error.message,
          'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/user/new. Your role=internal_user. Your user_id=alice',
        );
        const viewer = await api.post('/user/new', {}, keyOf.viewer);
        assert.equal(viewer.status, 403);
        const admin = await api.post('/user/new', { user_role: 'proxy_admin_viewer' }, keyOf.boss);
        assert.equal(admin.status, 200);
      });
    });

    describe('GET /user/info', () => {
      it('without a user_id, the caller: its row, keys and teams, never a password', async () => {
        const { status, body } = await api.get('/user/info', keyOf.carol);
        assert.equal(status, 200);
        assert.equal(body.user_id, 'carol');
        assert.equal(body.user_info.user_id, 'carol');
        assert.deepEqual(body.user_info.teams, ['crew']);
        assert.deepEqual(
          body.keys.map((k: { token: string }) => k.token),
          [sha256(keyOf.carol ?? '')],
        );
        assert.equal(body.keys[0].team_alias, null);
        assert.deepEqual(
          body.teams.map((t: { team_id: string }) => t.team_id),
          ['crew'],
        );
        assert.ok(!JSON.stringify(body).includes('password'));
      });

      it('the master key without a user_id: no user row, every team', async () => {
        const { status, body } = await api.get('/user/info');
        assert.equal(status, 200);
        assert.equal(body.user_id, 'default_user_id');
        assert.equal(body.user_info, null);
        assert.ok(body.teams.some((t: { team_id: string }) => t.team_id === 'crew'));
      });

      it('another user: admins, viewers and that user’s team admins only', async () => {
        assert.equal((await api.get('/user/info?user_id=bob', keyOf.viewer)).status, 200);
        assert.equal((await api.get('/user/info?user_id=bob', keyOf.boss)).status, 200);
        const { body: crewKey } = await api.post('/key/generate', {
          user_id: 'bob',
          team_id: 'crew',
        });
        const byTeamAdmin = await api.get('/user/info?user_id=bob', keyOf.alice);
        assert.equal(byTeamAdmin.status, 200, 'alice is an admin of bob’s team');
        assert.deepEqual(
          byTeamAdmin.body.keys.map((k: { token: string }) => k.token),
          [crewKey.token],
          'a team admin sees the member’s keys for its team only',
        );
        const byAdmin = await api.get('/user/info?user_id=bob');
        assert.equal(byAdmin.body.keys.length, 2);
        const denied = await api.get('/user/info?user_id=alice', keyOf.bob);
        assert.equal(denied.status, 403);
        assert.equal(
          denied.body.error.message,
          "key not allowed to access this user's info. user_id=alice, key's user_id=bob",
        );
        assert.equal((await api.get('/user/info?user_id=bob', keyOf.iuv)).status, 403);
      });

      it('an unknown user: 404', async () => {
        const { status, body } = await api.get('/user/info?user_id=ghost');
        assert.equal(status, 404);
        assert.equal(body.error.message, 'User ghost not found');
      });
    });

    describe('POST /user/bulk_update', () => {
      it('updates each user on its own, or every user, and says which failed', async () => {
        await makeUser({ user_id: 'bulk-1', auto_create_key: false });
        await makeUser({
          user_id: 'bulk-2',
          user_email: 'bulk2@example.com',
          auto_create_key: false,
        });
        const r = await api.post('/user/bulk_update', {
          users: [
            { user_id: 'bulk-1', max_budget: 7 },
            { user_email: 'BULK2@example.com', user_alias: 'two' },
            { user_id: 'bulk-nobody', max_budget: 1 },
          ],
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.total_requested, 3);
        assert.equal(r.body.successful_updates, 2);
        assert.equal(r.body.failed_updates, 1);
        const [one, two, nobody] = r.body.results;
        assert.deepEqual(
          [one.user_id, one.success, one.updated_user.max_budget],
          ['bulk-1', true, 7],
        );
        assert.deepEqual(
          [two.user_email, two.success, two.updated_user.user_alias],
          ['BULK2@example.com', true, 'two'],
        );
        assert.deepEqual([nobody.user_id, nobody.success], ['bulk-nobody', false]);
        assert.match(nobody.error, /User not found, passed user_id=bulk-nobody/);

        const all = await api.post('/user/bulk_update', {
          all_users: true,
          user_updates: { metadata: { audited: true } },
        });
        assert.equal(all.status, 200, JSON.stringify(all.body));
        assert.equal(all.body.failed_updates, 0);
        const listed = await api.get('/user/list?page_size=100');
        assert.equal(all.body.total_requested, listed.body.total);
        assert.ok(
          listed.body.users.every(
            (u: { metadata: { audited?: boolean } }) => u.metadata.audited === true,
          ),
        );
      });

      it('refuses bad bodies and anyone but a proxy admin, changing nothing', async () => {
        const cases: [unknown, RegExp][] = [
          [{ users: [] }, /users/],
          [
            { all_users: true, user_updates: { user_email: 'same@example.com' } },
            /user_email|Unrecognized/,
          ],
          [{ users: [{ max_budget: 1 }] }, /Either user id or user email must be provided/],
          [{}, /Give either users .* or all_users: true/],
          [{ users: [{ user_id: 'carol' }], all_users: true }, /not both/],
          [{ all_users: true }, /all_users needs user_updates/],
          [{ users: 'carol' }, /^users: /],
        ];
        for (const [body, message] of cases) {
          const r = await api.post('/user/bulk_update', body as Record<string, unknown>);
          assert.ok(r.status === 400 || r.status === 422, JSON.stringify(r.body));
          assert.match(r.body.error.message, message);
        }
        const byUser = await api.post(
          '/user/bulk_update',
          { users: [{ user_id: 'carol', max_budget: 1e9 }] },
          keyOf.carol,
        );
        assert.equal(byUser.status, 401);
        const byViewer = await api.post(
          '/user/bulk_update',
          { users: [{ user_id: 'carol', max_budget: 1e9 }] },
          keyOf.viewer,
        );
        assert.equal(byViewer.status, 403);
        const carol = await api.get('/user/info?user_id=carol');
        assert.notEqual(carol.body.user_info.max_budget, 1e9);
      });
    });

    describe('GET /v2/user/info', () => {
      it('the user flat, with its team ids, for the callers of /user/info', async () => {
        const own = await api.get('/v2/user/info', keyOf.carol);
        assert.equal(own.status, 200, JSON.stringify(own.body));
        assert.deepEqual(Object.keys(own.body).sort(), [
          'budget_duration',
          'budget_reset_at',
          'created_at',
          'max_budget',
          'metadata',
          'models',
          'spend',
          'sso_user_id',
          'teams',
          'updated_at',
          'user_alias',
          'user_email',
          'user_id',
          'user_role',
        ]);
        assert.equal(own.body.user_id, 'carol');
        assert.deepEqual(own.body.teams, ['crew']);
        assert.equal((await api.get('/v2/user/info?user_id=bob', keyOf.viewer)).status, 200);
        assert.equal((await api.get('/v2/user/info?user_id=bob', keyOf.alice)).status, 200);
        const denied = await api.get('/v2/user/info?user_id=alice', keyOf.bob);
        assert.equal(denied.status, 403);
        assert.equal(
          denied.body.error.message,
          "key not allowed to access this user's info. user_id=alice, key's user_id=bob",
        );
        const unknown = await api.get('/v2/user/info?user_id=ghost');
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error.message, 'User not found: ghost');
        // The master key asks about its own user, which has no row.
        const master = await api.get('/v2/user/info');
        assert.equal(master.status, 404);
        assert.equal(master.body.error.message, 'User not found: default_user_id');
      });
    });

    describe('GET /user/list', () => {
      it('pages of users with their key counts and teams, filtered and sorted', async () => {
        const first = await api.get('/user/list?page=1&page_size=2');
        assert.equal(first.status, 200);
        assert.equal(first.body.users.length, 2);
        assert.equal(first.body.page, 1);
        assert.equal(first.body.page_size, 2);
        assert.ok(first.body.total >= 8);
        assert.equal(first.body.total_pages, Math.ceil(first.body.total / 2));
        const created = first.body.users.map((u: { created_at: string }) => u.created_at);
        assert.ok(created[0] >= created[1], 'newest first by default');
        const chosen = await api.get('/user/list?user_ids=alice,carol&sort_by=user_id');
        assert.deepEqual(
          chosen.body.users.map((u: { user_id: string }) => u.user_id),
          ['alice', 'carol'],
        );
        const carol = chosen.body.users[1];
        assert.equal(carol.key_count, 1);
        assert.deepEqual(carol.teams, ['crew']);
        assert.ok(!JSON.stringify(chosen.body).includes('password'));
        const byEmail = await api.get('/user/list?user_email=ALICE@');
        assert.deepEqual(
          byEmail.body.users.map((u: { user_id: string }) => u.user_id),
          ['alice'],
        );
        const viewers = await api.get('/user/list?role=proxy_admin_viewer&page_size=100');
        assert.ok(viewers.body.users.length >= 2);
        assert.ok(
          viewers.body.users.every(
            (u: { user_role: string }) => u.user_role === 'proxy_admin_viewer',
          ),
        );
        const team = await api.get('/user/list?team=crew&sort_by=user_id&sort_order=desc');
        assert.deepEqual(
          team.body.users.map((u: { user_id: string }) => u.user_id),
          ['carol', 'bob', 'alice'],
        );
      });

      it('a malformed query: 422 naming the parameter', async () => {
        for (const q of ['page_size=101', 'page=0', 'sort_by=password', 'role=boss']) {
          const r = await api.get(`/user/list?${q}`);
          assert.equal(r.status, 422, q);
          assert.equal(r.body.error.param, q.split('=')[0]);
        }
      });

      it('(case 60) for admins and viewers only', async () => {
        const iu = await api.get('/user/list', keyOf.alice);
        assert.equal(iu.status, 403);
        assert.equal(
          iu.body.error.message,
          'Only proxy admins and organization admins can list users.',
        );
        assert.equal((await api.get('/user/list', keyOf.iuv)).status, 403);
        assert.equal((await api.get('/user/list', keyOf.viewer)).status, 200);
      });
    });

    describe('POST /user/update', () => {
      it('changes what it names, by user_id or by email in any case; null clears', async () => {
        await makeUser({ user_id: 'upd', user_email: 'upd@x.io', max_budget: 5 });
        const first = await api.post('/user/update', {
          user_id: 'upd',
          user_alias: 'Updated',
          max_budget: null,
          budget_duration: '1d',
          metadata: { a: 1 },
          user_email: 'upd2@x.io',
        });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.equal(first.body.user_alias, 'Updated');
        assert.equal(first.body.max_budget, null);
        assert.equal(first.body.user_email, 'upd2@x.io');
        assert.ok(Math.abs(Date.parse(first.body.budget_reset_at) - Date.now() - DAY) < 10_000);
        const byEmail = await api.post('/user/update', { user_email: 'UPD2@x.io', spend: 1.5 });
        assert.equal(byEmail.status, 200);
        assert.equal(byEmail.body.user_id, 'upd');
        assert.equal(byEmail.body.spend, 1.5);
        assert.equal(byEmail.body.user_alias, 'Updated', 'the rest is kept');
        assert.ok(!JSON.stringify(byEmail.body).includes('password'));
      });

      it('refusals: no user named 422, unknown 404, taken email 409; nothing changes', async () => {
        const before = await opened.store.users.findById('upd');
        const none = await api.post('/user/update', { user_alias: 'x' });
        assert.equal(none.status, 422);
        assert.equal(none.body.error.message, 'Either user id or user email must be provided');
        const ghost = await api.post('/user/update', { user_id: 'ghost', user_alias: 'x' });
        assert.equal(ghost.status, 404);
        assert.equal(ghost.body.error.message, 'User not found, passed user_id=ghost');
        const taken = await api.post('/user/update', { user_id: 'upd', user_email: 'Alice@x.io' });
        assert.equal(taken.status, 409);
        assert.equal(taken.body.error.message, 'User with email Alice@x.io already exists');
        const bad = await api.post('/user/update', { user_id: 'upd', user_role: 'root' });
        assert.equal(bad.status, 422);
        assert.deepEqual(await opened.store.users.findById('upd'), before);
      });

      it('(case 59) a user updates itself, but not its role, budget or models, nor anyone else', async () => {
        const before = await opened.store.users.findById('bob');
        const cases: [Record<string, unknown>, string][] = [
          [
            { user_id: 'alice', user_alias: 'x' },
            'User does not have permission to update this user. Only PROXY_ADMIN can update other users.',
          ],
          [
            { user_email: 'alice@x.io', user_alias: 'x' },
            'User does not have permission to update this user. Only PROXY_ADMIN can update other users.',
          ],
          [
            { user_id: 'bob', user_role: 'proxy_admin' },
            'Only proxy admins can modify user roles.',
          ],
          [{ user_id: 'bob', max_budget: 1000 }, 'Only proxy admins can modify max_budget.'],
          [{ user_id: 'bob', models: [] }, 'Only proxy admins can modify models.'],
          [{ user_id: 'bob', spend: 0 }, 'Only proxy admins can modify spend.'],
        ];
        for (const [body, message] of cases) {
          const r = await api.post('/user/update', body, keyOf.bob);
          assert.equal(r.status, 403, JSON.stringify(body));
          assert.equal(r.body.error.message, message);
        }
        assert.deepEqual(await opened.store.users.findById('bob'), before);
        const own = await api.post(
          '/user/update',
          { user_id: 'bob', user_alias: 'Bobby', password: 'a new secret!' },
          keyOf.bob,
        );
        assert.equal(own.status, 200);
        assert.equal(own.body.user_alias, 'Bobby');
        const viewer = await api.post('/user/update', { user_id: 'viewer' }, keyOf.viewer);
        assert.equal(viewer.status, 403, 'viewers change nothing');
        const iuv = await api.post('/user/update', { user_id: 'iuv' }, keyOf.iuv);
        assert.equal(iuv.status, 401);
      });

      it('reaches the request path at once: models narrowed, role raised', async () => {
        await makeUser({ user_id: 'live', auto_create_key: false });
        const { body: key } = await api.post('/key/generate', { user_id: 'live' });
        assert.equal((await api.chat('gpt-4o', key.key)).status, 200);
        await api.post('/user/update', { user_id: 'live', models: ['gpt-4o-mini'] });
        const refused = await api.chat('gpt-4o', key.key);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error.type, 'user_model_access_denied');
        assert.equal((await api.get('/user/list', key.key)).status, 403);
        await api.post('/user/update', { user_id: 'live', user_role: 'proxy_admin_viewer' });
        assert.equal((await api.get('/user/list', key.key)).status, 200);
      });
    });

    describe('POST /user/delete', () => {
      it('deletes users with their keys and memberships; their keys stop at once', async () => {
        const doomed = await makeUser({ user_id: 'doomed', teams: ['crew'] });
        assert.equal((await api.chat('gpt-4o-mini', doomed.key)).status, 200);
        const r = await api.post('/user/delete', { user_ids: ['doomed'] });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body.deleted_users, ['doomed']);
        assert.equal(r.body.deleted_keys, 1);
        const after = await api.chat('gpt-4o-mini', doomed.key);
        assert.equal(after.status, 401);
        assert.equal(after.body.error.type, 'token_not_found_in_db');
        assert.equal((await api.get('/user/info?user_id=doomed')).status, 404);
        const crew = await api.get('/team/info?team_id=crew');
        assert.ok(!crew.body.team_info.members.includes('doomed'), 'no membership left behind');
      });

      it('an unknown user among them: 404 and nobody is deleted', async () => {
        await makeUser({ user_id: 'survivor' });
        const r = await api.post('/user/delete', { user_ids: ['survivor', 'ghost'] });
        assert.equal(r.status, 404);
        assert.equal(r.body.error.message, 'User not found, passed user_id=ghost');
        assert.ok(await opened.store.users.findById('survivor'));
        assert.equal((await api.chat('gpt-4o-mini', keyOf.survivor)).status, 200);
        const empty = await api.post('/user/delete', {});
        assert.equal(empty.status, 422);
        assert.equal(empty.body.error.param, 'user_ids');
      });

      it('is for proxy admins only', async () => {
        const r = await api.post('/user/delete', { user_ids: ['bob'] }, keyOf.alice);
        assert.equal(r.status, 401);
        assert.equal(
          (await api.post('/user/delete', { user_ids: ['bob'] }, keyOf.viewer)).status,
          403,
        );
        assert.ok(await opened.store.users.findById('bob'));
      });
    });
  });
}

describe('/user/* without a database', () => {
  it('answers LiteLLM’s "no db" error instead of failing', async () => {
    const gateway = await startGateway(CONFIG);
    try {
      const api = adminClient(gateway.url, MASTER_KEY);
      for (const [method, path] of [
        ['post', '/user/new'],
        ['get', '/user/info?user_id=x'],
        ['get', '/user/list'],
        ['post', '/team/new'],
        ['get', '/team/list'],
        ['post', '/customer/new'],
        ['get', '/end_user/list'],
      ] as const) {
        const r =
          method === 'get'
            ? await api.get(path)
            : await api.post(path, { user_id: 'x', team_id: 'x', user_ids: ['x'] });
        assert.equal(r.status, 500, path);
        assert.equal(r.body.error.type, 'no_db_connection', path);
        assert.match(r.body.error.message, /^Database not connected/, path);
      }
    } finally {
      await gateway.close();
    }
  });
});
