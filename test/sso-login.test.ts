/**
 * SSO sign-in through a real OpenID provider (oidc-provider) over HTTP, with a cookie jar: the
 * first sign-in creates the user with default_internal_user_params, the groups claim names its
 * teams (missing ones created with default_team_params, existing ones left alone), memberships
 * follow the groups at each sign-in, and the sign-in ends in an ordinary web UI session. The
 * debug routes show a signed-in admin the claims; key_generation_settings keeps SSO users to
 * team keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  CookieJar,
  IDP_CLIENT_ID,
  IDP_CLIENT_SECRET,
  signInThrough,
  startTestIdp,
  type TestIdp,
} from './helpers/oidc-provider.js';

const CONFIG = {
  model_list: [{ model_name: 'mock-gpt', litellm_params: { model: 'mock/gpt' } }],
  general_settings: {
    master_key: MASTER_KEY,
    litellm_jwtauth: { team_ids_jwt_field: 'groups' },
  },
  litellm_settings: {
    default_internal_user_params: {
      user_role: 'internal_user',
      max_budget: 25,
      models: ['mock-gpt'],
    },
    default_team_params: { max_budget: 100, budget_duration: '30d', models: ['mock-gpt'] },
    key_generation_settings: { personal_key_generation: { allowed_user_roles: ['proxy_admin'] } },
  },
};

for (const database of await testDatabases()) {
  describe(`SSO sign-in on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let idp: TestIdp;
    let gateway: TestGateway;
    let api: AdminClient;

    before(async () => {
      idp = await startTestIdp();
      opened = await database.open();
      gateway = await startGateway(CONFIG, {
        store: opened.store,
        env: {
          GENERIC_CLIENT_ID: IDP_CLIENT_ID,
          GENERIC_CLIENT_SECRET: IDP_CLIENT_SECRET,
          GENERIC_ISSUER: idp.issuer,
          GENERIC_SCOPE: 'openid email profile groups',
        },
      });
      idp.configure([`${gateway.url}/sso/callback`, `${gateway.url}/sso/debug/callback`]);
      api = adminClient(gateway.url, MASTER_KEY);
      const team = await api.post('/team/new', {
        team_id: 'eng',
        models: ['other-model'],
        max_budget: 5,
      });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      idp.setUser({
        sub: 'alice-sub',
        preferred_username: 'alice',
        email: 'alice@example.com',
        name: 'Alice Example',
        groups: ['eng', 'platform'],
      });
      idp.setUser({
        sub: 'root-sub',
        preferred_username: 'root',
        email: 'root@example.com',
        role: 'proxy_admin',
        groups: [],
      });
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
      await idp?.close();
    });

    async function signIn(login: string, jar = new CookieJar()) {
      const result = await signInThrough(
        new URL('/sso/key/generate', gateway.url),
        login,
        jar,
        (url) => url.origin === gateway.url && url.pathname.startsWith('/ui'),
      );
      return { result, jar };
    }

    async function session(jar: CookieJar) {
      const response = await fetch(`${gateway.url}/session`, {
        headers: { cookie: jar.header(new URL(gateway.url)) },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    it('creates the user and its teams at the first sign-in and lands in a session', async () => {
      const { result, jar } = await signIn('alice-sub');
      assert.equal(result.url.pathname, '/ui/');
      assert.equal(result.url.search, '?login=success');
      const who = await session(jar);
      assert.equal(who.status, 200, JSON.stringify(who.body));
      assert.equal(who.body.user_id, 'alice');
      assert.equal(who.body.user_role, 'internal_user');

      const user = await api.get('/user/info?user_id=alice');
      assert.equal(user.body.user_info.max_budget, 25);
      assert.equal(user.body.user_info.user_email, 'alice@example.com');
      assert.equal(user.body.user_info.sso_user_id, 'alice-sub');
      assert.deepEqual(user.body.user_info.models, ['mock-gpt']);
      assert.deepEqual(user.body.teams.map((t: { team_id: string }) => t.team_id).sort(), [
        'eng',
        'platform',
      ]);

      const created = await api.get('/team/info?team_id=platform');
      assert.equal(created.body.team_info.max_budget, 100);
      assert.equal(created.body.team_info.budget_duration, '30d');
      assert.deepEqual(created.body.team_info.models, ['mock-gpt']);
      const existing = await api.get('/team/info?team_id=eng');
      assert.equal(existing.body.team_info.max_budget, 5);
      assert.deepEqual(existing.body.team_info.models, ['other-model']);
    });

    it('makes memberships follow the groups at each sign-in', async () => {
      idp.setUser({
        sub: 'alice-sub',
        preferred_username: 'alice',
        email: 'alice@example.com',
        groups: ['platform'],
      });
      await signIn('alice-sub');
      const user = await api.get('/user/info?user_id=alice');
      assert.deepEqual(
        user.body.teams.map((t: { team_id: string }) => t.team_id),
        ['platform'],
      );
    });

    it('keeps SSO users to team keys when personal keys are for proxy admins', async () => {
      const { jar } = await signIn('alice-sub');
      const origin = new URL(gateway.url);
      const post = (body: unknown) =>
        fetch(`${gateway.url}/key/generate`, {
          method: 'POST',
          headers: {
            cookie: jar.header(origin),
            'x-csrf-token': jar.get(origin.origin, 'tollgate_csrf') ?? '',
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        });
      const personal = await post({});
      assert.notEqual(personal.status, 200, await personal.text());
      const teamKey = await post({ team_id: 'platform' });
      assert.equal(teamKey.status, 200, await teamKey.text());
    });

    it('signs in a provider-named proxy admin, who can see the claims on the debug routes', async () => {
      const { jar } = await signIn('root-sub');
      assert.equal((await session(jar)).body.user_role, 'proxy_admin');
      // The provider still knows the admin (its session cookie): the debug sign-in shows the
      // admin's own claims, as in a real set-up.
      const debug = await signInThrough(new URL('/sso/debug/login', gateway.url), 'root-sub', jar);
      assert.equal(debug.status, 200, debug.body);
      const shown = JSON.parse(debug.body) as {
        received_claims: Record<string, unknown>;
        maps_to: { userId: string; role: string; teams: string[] };
      };
      assert.equal(shown.received_claims.email, 'root@example.com');
      assert.equal(shown.received_claims.role, 'proxy_admin');
      assert.deepEqual(shown.maps_to, {
        userId: 'root',
        subject: 'root-sub',
        email: 'root@example.com',
        alias: 'root-sub',
        role: 'proxy_admin',
        teams: [],
      });
      // The debug sign-in signed nobody in: the admin's session is still the admin's.
      assert.equal((await session(jar)).body.user_id, 'root');
    });

    it('refuses the debug routes to anyone but a proxy admin', async () => {
      const { jar } = await signIn('alice-sub');
      const response = await fetch(`${gateway.url}/sso/debug/login`, {
        redirect: 'manual',
        headers: { cookie: jar.header(new URL(gateway.url)) },
      });
      assert.equal(response.status, 401);
      const anonymous = await fetch(`${gateway.url}/sso/debug/callback?code=x&state=y`);
      assert.equal(anonymous.status, 401);
    });

    it('refuses a callback this browser did not start', async () => {
      const response = await fetch(`${gateway.url}/sso/callback?code=stolen&state=whatever`, {
        redirect: 'manual',
      });
      assert.equal(response.status, 401);
      const body = (await response.json()) as { error: { message: string } };
      assert.match(body.error.message, /no sign-in was started in this browser/);
      assert.equal(response.headers.get('set-cookie')?.includes('tollgate_session='), false);
    });

    it('refuses a callback whose state does not match', async () => {
      const jar = new CookieJar();
      const start = await fetch(`${gateway.url}/sso/key/generate`, { redirect: 'manual' });
      jar.take(new URL(gateway.url), start);
      const response = await fetch(`${gateway.url}/sso/callback?code=x&state=forged`, {
        redirect: 'manual',
        headers: { cookie: jar.header(new URL(gateway.url)) },
      });
      assert.equal(response.status, 401);
    });
  });
}
