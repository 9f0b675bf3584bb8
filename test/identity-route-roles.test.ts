/**
 * A walk over the route × role table for the users, teams and customers routes, on every
 * database: every role (the master key, proxy_admin, proxy_admin_viewer, internal_user,
 * internal_user_viewer, a team's admin, a team's user) calls every route with a request that
 * would succeed, and is let through or refused exactly as the table says.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ROUTE_ACCESS } from '../src/auth/route-permissions.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

const ROLES = ['master', 'PA', 'PAV', 'IU', 'IUV', 'TA', 'TM'] as const;
type Role = (typeof ROLES)[number];
/** 'ok' for a 2xx answer, else the refusal's status (400: refused alike whoever asks). */
type Outcome = 'ok' | 400 | 401 | 403;

/** The team the TA and TM roles belong to. */
const TEAM = 'walk-team';

interface Call {
  method: 'get' | 'post';
  path: string;
  body?: Record<string, unknown>;
}

interface RouteCase {
  route: string;
  /** Builds a request that succeeds for a caller allowed to make it (setup by the master key). */
  call(api: AdminClient): Promise<Call>;
  expect: Record<Role, Outcome>;
}

const ADMIN_ONLY: Record<Role, Outcome> = {
  master: 'ok',
  PA: 'ok',
  PAV: 403,
  IU: 401,
  IUV: 401,
  TA: 401,
  TM: 401,
};
const ADMIN_AND_VIEWER: Record<Role, Outcome> = { ...ADMIN_ONLY, PAV: 'ok' };
const TEAM_MANAGERS: Record<Role, Outcome> = {
  master: 'ok',
  PA: 'ok',
  PAV: 403,
  IU: 403,
  IUV: 401,
  TA: 'ok',
  TM: 403,
};

const fresh = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function freshTeam(api: AdminClient): Promise<string> {
  const id = fresh('team');
  assert.equal((await api.post('/team/new', { team_id: id })).status, 200);
  return id;
}

async function freshMember(api: AdminClient): Promise<string> {
  const id = fresh('member');
  const r = await api.post('/team/member_add', { team_id: TEAM, member: { user_id: id } });
  assert.equal(r.status, 200);
  return id;
}

/** A new team with two models, whose admin is the TA role's user and member the TM's. */
async function teamWithModels(api: AdminClient): Promise<string> {
  const teamId = fresh('walk-models');
  const r = await api.post('/team/new', {
    team_id: teamId,
    models: ['walk-model-a', 'walk-model-b'],
    members_with_roles: [
      { role: 'admin', user_id: 'walk-ta' },
      { role: 'user', user_id: 'walk-tm' },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return teamId;
}

async function freshCustomer(api: AdminClient): Promise<string> {
  const id = fresh('customer');
  assert.equal((await api.post('/customer/new', { user_id: id })).status, 200);
  return id;
}

const CUSTOMER_CASES = (prefix: string): RouteCase[] => [
  {
    route: `${prefix}/new`,
    call: async () => ({ method: 'post', path: `${prefix}/new`, body: { user_id: fresh('c') } }),
    expect: ADMIN_ONLY,
  },
  {
    route: `${prefix}/info`,
    call: async (api) => ({
      method: 'get',
      path: `${prefix}/info?end_user_id=${await freshCustomer(api)}`,
    }),
    expect: ADMIN_AND_VIEWER,
  },
  {
    route: `${prefix}/list`,
    call: async () => ({ method: 'get', path: `${prefix}/list` }),
    expect: ADMIN_AND_VIEWER,
  },
  {
    route: `${prefix}/update`,
    call: async (api) => ({
      method: 'post',
      path: `${prefix}/update`,
      body: { user_id: await freshCustomer(api), alias: 'x' },
    }),
    expect: ADMIN_ONLY,
  },
  ...(['delete', 'block', 'unblock'] as const).map((action): RouteCase => ({
    route: `${prefix}/${action}`,
    call: async (api) => ({
      method: 'post',
      path: `${prefix}/${action}`,
      body: { user_ids: [await freshCustomer(api)] },
    }),
    expect: ADMIN_ONLY,
  })),
];

const CASES: RouteCase[] = [
  {
    route: '/user/new',
    call: async () => ({ method: 'post', path: '/user/new', body: {} }),
    expect: ADMIN_ONLY,
  },
  {
    route: '/user/bulk_update',
    call: async () => ({
      method: 'post',
      path: '/user/bulk_update',
      body: { users: [{ user_id: 'walk-tm', metadata: { walked: true } }] },
    }),
    expect: ADMIN_ONLY,
  },
  {
    // The team user's own row: itself, its team's admin, and the admins and viewers read it.
    route: '/user/info',
    call: async () => ({ method: 'get', path: '/user/info?user_id=walk-tm' }),
    expect: { master: 'ok', PA: 'ok', PAV: 'ok', IU: 403, IUV: 403, TA: 'ok', TM: 'ok' },
  },
  {
    // Everyone reads daily activity: their own, or (admins and viewers) anyone's.
    route: '/user/daily/activity',
    call: async () => ({
      method: 'get',
      path: '/user/daily/activity?start_date=2025-01-01&end_date=2025-01-02',
    }),
    expect: { master: 'ok', PA: 'ok', PAV: 'ok', IU: 'ok', IUV: 'ok', TA: 'ok', TM: 'ok' },
  },
  {
    // A team's activity: its members, and the admins and viewers.
    route: '/team/daily/activity',
    call: async () => ({
      method: 'get',
      path: `/team/daily/activity?team_ids=${TEAM}&start_date=2025-01-01&end_date=2025-01-02`,
    }),
    expect: { master: 'ok', PA: 'ok', PAV: 'ok', IU: 403, IUV: 403, TA: 'ok', TM: 'ok' },
  },
  {
    route: '/user/list',
    call: async () => ({ method: 'get', path: '/user/list' }),
    expect: { ...ADMIN_AND_VIEWER, IU: 403, IUV: 403, TA: 403, TM: 403 },
  },
  {
    // Another user's row: only proxy admins change it.
    route: '/user/update',
    call: async () => ({
      method: 'post',
      path: '/user/update',
      body: { user_id: 'walk-target', user_alias: fresh('alias') },
    }),
    expect: { master: 'ok', PA: 'ok', PAV: 403, IU: 403, IUV: 401, TA: 403, TM: 403 },
  },
  {
    route: '/user/delete',
    call: async (api) => {
      const id = fresh('doomed');
      await api.post('/user/new', { user_id: id });
      return { method: 'post', path: '/user/delete', body: { user_ids: [id] } };
    },
    expect: ADMIN_ONLY,
  },
  {
    route: '/team/new',
    call: async () => ({ method: 'post', path: '/team/new', body: {} }),
    // Internal users reach the service, which lets only organization admins through.
    expect: ADMIN_ONLY,
  },
  {
    route: '/team/info',
    call: async () => ({ method: 'get', path: `/team/info?team_id=${TEAM}` }),
    expect: { master: 'ok', PA: 'ok', PAV: 'ok', IU: 403, IUV: 403, TA: 'ok', TM: 'ok' },
  },
  {
    route: '/team/list',
    call: async () => ({ method: 'get', path: '/team/list' }),
    expect: { master: 'ok', PA: 'ok', PAV: 'ok', IU: 'ok', IUV: 'ok', TA: 'ok', TM: 'ok' },
  },
  {
    // No available_teams in this config: every caller gets the same 400, none a role refusal.
    route: '/team/available',
    call: async () => ({ method: 'get', path: '/team/available' }),
    expect: { master: 400, PA: 400, PAV: 400, IU: 400, IUV: 400, TA: 400, TM: 400 },
  },
  {
    route: '/team/update',
    call: async () => ({
      method: 'post',
      path: '/team/update',
      body: { team_id: TEAM, team_alias: fresh('alias') },
    }),
    expect: TEAM_MANAGERS,
  },
  {
    // A fresh team of the TA and TM with two models: its admin may remove one, not add one.
    route: '/team/model/add',
    call: async (api) => ({
      method: 'post',
      path: '/team/model/add',
      body: { team_id: await teamWithModels(api), models: ['walk-model-c'] },
    }),
    expect: { ...TEAM_MANAGERS, TA: 403 },
  },
  {
    route: '/team/model/delete',
    call: async (api) => ({
      method: 'post',
      path: '/team/model/delete',
      body: { team_id: await teamWithModels(api), models: ['walk-model-b'] },
    }),
    expect: TEAM_MANAGERS,
  },
  {
    route: '/team/member_add',
    call: async () => ({
      method: 'post',
      path: '/team/member_add',
      body: { team_id: TEAM, member: { user_id: fresh('joiner') } },
    }),
    expect: TEAM_MANAGERS,
  },
  {
    route: '/team/bulk_member_add',
    call: async () => ({
      method: 'post',
      path: '/team/bulk_member_add',
      body: { team_id: TEAM, members: [{ user_id: fresh('bulk-joiner') }] },
    }),
    expect: TEAM_MANAGERS,
  },
  {
    route: '/team/member_update',
    call: async (api) => ({
      method: 'post',
      path: '/team/member_update',
      body: { team_id: TEAM, user_id: await freshMember(api), max_budget_in_team: 1 },
    }),
    expect: TEAM_MANAGERS,
  },
  {
    route: '/team/member_delete',
    call: async (api) => ({
      method: 'post',
      path: '/team/member_delete',
      body: { team_id: TEAM, user_id: await freshMember(api) },
    }),
    expect: TEAM_MANAGERS,
  },
  ...(['delete', 'block', 'unblock'] as const).map((action): RouteCase => ({
    route: `/team/${action}`,
    call: async (api) => {
      const team = await freshTeam(api);
      return {
        method: 'post',
        path: `/team/${action}`,
        body: action === 'delete' ? { team_ids: [team] } : { team_id: team },
      };
    },
    expect: ADMIN_ONLY,
  })),
  ...CUSTOMER_CASES('/customer'),
  ...CUSTOMER_CASES('/end_user'),
];

describe('the route × role walk covers every users, teams and customers route', () => {
  it('lists each such route of the table once', () => {
    const routes = Object.keys(ROUTE_ACCESS).filter((r) =>
      /^\/(user|team|customer|end_user)\//.test(r),
    );
    assert.deepEqual(CASES.map((c) => c.route).sort(), routes.sort());
  });
});

for (const database of await testDatabases()) {
  describe(`route × role walk on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keyOf = {} as Record<Role, string>;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      keyOf.master = MASTER_KEY;
      for (const [role, userId, userRole] of [
        ['PA', 'walk-pa', 'proxy_admin'],
        ['PAV', 'walk-pav', 'proxy_admin_viewer'],
        ['IU', 'walk-iu', 'internal_user'],
        ['IUV', 'walk-iuv', 'internal_user_viewer'],
        ['TA', 'walk-ta', 'internal_user'],
        ['TM', 'walk-tm', 'internal_user'],
      ] as const) {
        const r = await api.post('/user/new', { user_id: userId, user_role: userRole });
        assert.equal(r.status, 200);
        keyOf[role] = r.body.key;
      }
      await api.post('/user/new', { user_id: 'walk-target', auto_create_key: false });
      const team = await api.post('/team/new', {
        team_id: TEAM,
        members_with_roles: [
          { role: 'admin', user_id: 'walk-ta' },
          { role: 'user', user_id: 'walk-tm' },
        ],
      });
      assert.equal(team.status, 200);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    for (const route of CASES) {
      it(`${route.route}: ${ROLES.map((r) => `${r} ${route.expect[r]}`).join(', ')}`, async () => {
        for (const role of ROLES) {
          const call = await route.call(api);
          const r =
            call.method === 'get'
              ? await api.get(call.path, keyOf[role])
              : await api.post(call.path, call.body, keyOf[role]);
          const outcome = r.status >= 200 && r.status < 300 ? 'ok' : r.status;
          assert.equal(
            outcome,
            route.expect[role],
            `${role} on ${call.path}: ${r.status} ${JSON.stringify(r.body)}`,
          );
        }
      });
    }
  });
}
