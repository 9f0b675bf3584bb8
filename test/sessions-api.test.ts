/**
 * Web UI sign-in over HTTP against a real gateway, on every database: /login (JSON and form, the
 * UI admin and users), its cookies, /session, the cookie as the caller of admin and LLM routes,
 * CSRF, expiry on an injected clock, logout with and without PROXY_LOGOUT_URL, password changes
 * and admin resets ending sessions, legacy password hashes, and the sign-in throttle.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { cookiesOf, sessionFrom, signIn, webCall } from './helpers/web-session.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};
const START = Date.parse('2025-06-01T08:00:00.000Z');
const HOUR = 3_600_000;
const INVALID = /^Invalid credentials used to access UI\./;

for (const database of await testDatabases()) {
  describe(`web UI sessions on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let clock = START;
    const url = (path: string) => `${gateway.url}${path}`;

    const makeUser = async (body: Record<string, unknown>) => {
      const r = await api.post('/user/new', body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { user_id: string; key: string };
    };

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store, now: () => clock });
      api = adminClient(gateway.url, MASTER_KEY);
      await makeUser({
        user_id: 'ann',
        user_email: 'Ann@Example.com',
        user_role: 'internal_user',
        password: 'ann-password-1',
      });
      await makeUser({ user_id: 'nopass', user_email: 'nopass@example.com' });
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    it('signs the UI admin in with admin / the master key: JSON answer and both cookies', async () => {
      const r = await webCall(url('/login'), { body: { username: 'admin', password: MASTER_KEY } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.user_id, 'default_user_id');
      assert.equal(r.body.user_role, 'proxy_admin');
      assert.equal(r.body.expires_at, new Date(START + 24 * HOUR).toISOString());
      const lines = r.headers.getSetCookie();
      const session = lines.find((l) => l.startsWith('tollgate_session='));
      const csrf = lines.find((l) => l.startsWith('tollgate_csrf='));
      assert.ok(session && csrf, lines.join('\n'));
      assert.match(session, /; HttpOnly/i);
      assert.match(session, /; SameSite=Lax/i);
      assert.match(session, /; Path=\//);
      assert.doesNotMatch(session, /; Secure/i);
      assert.doesNotMatch(csrf, /HttpOnly/i);
      assert.match(csrf, /; SameSite=Strict/i);
      assert.equal(cookiesOf(r).tollgate_csrf, r.body.csrf_token);
      assert.ok(cookiesOf(r).tollgate_session!.length >= 43, 'a 256-bit session id');
      // Only the SHA-256 of the id is stored.
      const stored = await opened.store.sessions.findByHash(
        createHash('sha256').update(cookiesOf(r).tollgate_session!).digest('hex'),
      );
      assert.equal(stored?.user_id, 'default_user_id');
    });

    it('marks the cookies Secure when the request came over https through a proxy', async () => {
      const r = await webCall(url('/login'), {
        body: { username: 'admin', password: MASTER_KEY },
        headers: { 'x-forwarded-proto': 'https' },
      });
      assert.equal(r.status, 200);
      for (const line of r.headers.getSetCookie()) assert.match(line, /; Secure/i);
    });

    it("takes LiteLLM's form post and redirects to the UI", async () => {
      const r = await webCall(url('/login'), {
        body: `username=admin&password=${encodeURIComponent(MASTER_KEY)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/ui/');
      const session = sessionFrom(r);
      assert.equal((await webCall(url('/session'), { session })).status, 200);
    });

    it('signs a user in by email in any case, or by user id', async () => {
      const byEmail = await webCall(url('/login'), {
        body: { username: 'ann@EXAMPLE.com', password: 'ann-password-1' },
      });
      assert.equal(byEmail.status, 200, JSON.stringify(byEmail.body));
      assert.equal(byEmail.body.user_id, 'ann');
      assert.equal(byEmail.body.user_email, 'Ann@Example.com');
      assert.equal(byEmail.body.user_role, 'internal_user');
      const byId = await webCall(url('/login'), {
        body: { username: 'ann', password: 'ann-password-1' },
      });
      assert.equal(byId.status, 200);
    });

    it('refuses a wrong password, an unknown user and a user without password with one message', async () => {
      for (const body of [
        { username: 'admin', password: 'not-the-master-key' },
        { username: 'ann@example.com', password: 'wrong-password' },
        { username: 'nobody@example.com', password: 'whatever-1' },
        { username: 'nopass@example.com', password: '' },
      ]) {
        const r = await webCall(url('/login'), { body });
        assert.equal(r.status, 401, JSON.stringify(body));
        assert.match(r.body.error.message, INVALID);
        assert.equal(r.body.error.type, 'auth_error');
        assert.equal(r.body.error.code, '401');
        assert.equal(r.headers.getSetCookie().length, 0);
      }
      const missing = await webCall(url('/login'), { body: { username: 'admin' } });
      assert.equal(missing.status, 422);
    });

    it('/session tells who is signed in, and 401 without a valid cookie', async () => {
      const ann = await signIn(gateway.url, 'ann@example.com', 'ann-password-1');
      const r = await webCall(url('/session'), { session: ann });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body).sort(), [
        'csrf_token',
        'expires_at',
        'user_email',
        'user_id',
        'user_role',
      ]);
      assert.equal(r.body.csrf_token, ann.csrf);
      assert.equal((await webCall(url('/session'), {})).status, 401);
      const forged = { cookie: 'tollgate_session=forged-id', csrf: 'x' };
      assert.equal((await webCall(url('/session'), { session: forged })).status, 401);
    });

    it('accepts the cookie as the caller; state changes need the CSRF token', async () => {
      const admin = await signIn(gateway.url, 'admin', MASTER_KEY);
      const list = await webCall(url('/key/list'), { session: admin });
      assert.equal(list.status, 200, JSON.stringify(list.body));

      const generate = (csrf?: string | false) =>
        webCall(url('/key/generate'), { body: { user_id: 'ann' }, session: admin, csrf });
      for (const csrf of [false, 'wrong-token'] as const) {
        const refused = await generate(csrf);
        assert.equal(refused.status, 403);
        assert.deepEqual(refused.body.error.message, 'CSRF token missing or invalid');
      }
      const made = await generate();
      assert.equal(made.status, 200, JSON.stringify(made.body));
      // The UI admin acts as the master key: its changes are made by default_user_id.
      assert.equal(made.body.created_by, 'default_user_id');

      // A key in a header wins over the cookie and needs no CSRF token.
      const withKey = await webCall(url('/key/generate'), {
        body: {},
        session: admin,
        csrf: false,
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      assert.equal(withKey.status, 200);
    });

    it("gives a user's session that user's role and models, on admin and LLM routes", async () => {
      const ann = await signIn(gateway.url, 'ann', 'ann-password-1');
      const refused = await webCall(url('/user/new'), { body: { user_id: 'x' }, session: ann });
      assert.equal(refused.status, 401, JSON.stringify(refused.body));
      assert.match(refused.body.error.message, /Your role=internal_user\. Your user_id=ann/);
      const own = await webCall(url('/key/generate'), {
        body: { key_alias: 'ann-ui' },
        session: ann,
      });
      assert.equal(own.status, 200, JSON.stringify(own.body));
      assert.equal(own.body.user_id, 'ann');
      const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
      const noCsrf = await webCall(url('/v1/chat/completions'), {
        body: chat,
        session: ann,
        csrf: false,
      });
      assert.equal(noCsrf.status, 403);
      const answered = await webCall(url('/v1/chat/completions'), { body: chat, session: ann });
      assert.equal(answered.status, 200, JSON.stringify(answered.body));

      // A role change applies to the open session at once.
      const demoted = await api.post('/user/update', {
        user_id: 'ann',
        user_role: 'internal_user_viewer',
      });
      assert.equal(demoted.status, 200);
      const now = await webCall(url('/key/generate'), { body: {}, session: ann });
      assert.equal(now.status, 401);
      await api.post('/user/update', { user_id: 'ann', user_role: 'internal_user' });
    });

    it('expires sessions after 24 hours', async () => {
      const ann = await signIn(gateway.url, 'ann', 'ann-password-1');
      clock += 24 * HOUR - 1000;
      assert.equal((await webCall(url('/key/list'), { session: ann })).status, 200);
      clock += 1000;
      try {
        assert.equal((await webCall(url('/session'), { session: ann })).status, 401);
        const r = await webCall(url('/key/list'), { session: ann });
        assert.equal(r.status, 401);
        assert.match(r.body.error.message, /session has expired or was ended/);
      } finally {
        clock = START;
      }
    });

    it('logs out: the session ends and both cookies are cleared', async () => {
      const ann = await signIn(gateway.url, 'ann', 'ann-password-1');
      const r = await webCall(url('/logout'), { method: 'POST', body: {}, session: ann });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { logged_out: true });
      const cleared = cookiesOf(r);
      assert.equal(cleared.tollgate_session, '');
      assert.equal(cleared.tollgate_csrf, '');
      assert.equal((await webCall(url('/session'), { session: ann })).status, 401);

      const again = await signIn(gateway.url, 'ann', 'ann-password-1');
      const viaGet = await webCall(url('/logout'), { session: again });
      assert.equal(viaGet.status, 303);
      assert.equal(viaGet.headers.get('location'), '/ui/login');
      assert.equal((await webCall(url('/session'), { session: again })).status, 401);
    });

    it("a user's own password change ends its other sessions, not the current one", async () => {
      const current = await signIn(gateway.url, 'ann', 'ann-password-1');
      const other = await signIn(gateway.url, 'ann', 'ann-password-1');
      const changed = await webCall(url('/user/update'), {
        body: { user_id: 'ann', password: 'ann-password-2' },
        session: current,
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal((await webCall(url('/session'), { session: current })).status, 200);
      assert.equal((await webCall(url('/session'), { session: other })).status, 401);
      const old = await webCall(url('/login'), {
        body: { username: 'ann', password: 'ann-password-1' },
      });
      assert.equal(old.status, 401);
      await signIn(gateway.url, 'ann', 'ann-password-2');
    });

    it("an admin's password reset ends all of the user's sessions", async () => {
      const ann = await signIn(gateway.url, 'ann', 'ann-password-2');
      const admin = await signIn(gateway.url, 'admin', MASTER_KEY);
      const reset = await webCall(url('/user/update'), {
        body: { user_id: 'ann', password: 'reset-by-admin' },
        session: admin,
      });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal((await webCall(url('/session'), { session: ann })).status, 401);
      assert.equal((await webCall(url('/session'), { session: admin })).status, 200);
      await signIn(gateway.url, 'ann@example.com', 'reset-by-admin');
    });

    it('accepts a password stored by LiteLLM (SHA-256) and re-hashes it with scrypt', async () => {
      await makeUser({ user_id: 'legacy', user_email: 'legacy@example.com' });
      const sha = createHash('sha256').update('legacy-password').digest('hex');
      await opened.store.users.setPasswordHash('legacy', sha);
      await signIn(gateway.url, 'legacy@example.com', 'legacy-password');
      const stored = await opened.store.credentials.findByLogin('legacy');
      assert.match(stored?.password_hash ?? '', /^scrypt\$/);
      await signIn(gateway.url, 'legacy', 'legacy-password');
    });
  });

  describe(
    `web UI sign-in settings and throttle on ${database.name}`,
    { skip: database.skip },
    () => {
      let opened: OpenedTestStore;
      let clock = START;
      const gateways: TestGateway[] = [];
      const start = async (env: Record<string, string>) => {
        const g = await startGateway(CONFIG, { store: opened.store, now: () => clock, env });
        gateways.push(g);
        return g;
      };

      before(async () => {
        opened = await database.open();
      });
      after(async () => {
        for (const g of gateways) await g.close();
        await opened.close();
      });

      it('uses UI_USERNAME / UI_PASSWORD; a new UI_PASSWORD ends sessions opened with the old one', async () => {
        const first = await start({ UI_USERNAME: 'root', UI_PASSWORD: 'first-secret' });
        const refused = await webCall(`${first.url}/login`, {
          body: { username: 'admin', password: MASTER_KEY },
        });
        assert.equal(refused.status, 401);
        const admin = await signIn(first.url, 'root', 'first-secret');
        assert.equal((await webCall(`${first.url}/key/list`, { session: admin })).status, 200);
        const second = await start({ UI_USERNAME: 'root', UI_PASSWORD: 'second-secret' });
        assert.equal((await webCall(`${second.url}/key/list`, { session: admin })).status, 401);
      });

      it('redirects to PROXY_LOGOUT_URL after logout', async () => {
        const g = await start({ PROXY_LOGOUT_URL: 'https://sso.example.com/bye' });
        const admin = await signIn(g.url, 'admin', MASTER_KEY);
        for (const method of ['GET', 'POST']) {
          const r = await webCall(`${g.url}/logout`, { method, session: admin });
          assert.equal(r.status, 303);
          assert.equal(r.headers.get('location'), 'https://sso.example.com/bye');
        }
        assert.equal((await webCall(`${g.url}/session`, { session: admin })).status, 401);
      });

      it('honours TOLLGATE_UI_SESSION_DURATION', async () => {
        const g = await start({ TOLLGATE_UI_SESSION_DURATION: '30m' });
        const admin = await signIn(g.url, 'admin', MASTER_KEY);
        assert.equal(admin.body.expires_at, new Date(clock + 30 * 60_000).toISOString());
      });

      it('throttles failed sign-ins per user name and per IP address, with retry-after', async () => {
        const g = await start({});
        const attempt = (username: string, password: string) =>
          webCall(`${g.url}/login`, { body: { username, password } });
        for (let i = 0; i < 10; i++)
          assert.equal((await attempt('admin', `wrong-${i}`)).status, 401);
        const limited = await attempt('admin', MASTER_KEY);
        assert.equal(limited.status, 429, 'even the right password waits');
        assert.equal(limited.headers.get('retry-after'), '300');
        assert.match(limited.body.error.message, /Too many failed sign-in attempts/);
        // The same address is limited for any user name.
        assert.equal((await attempt('someone-else', 'x')).status, 429);
        clock += 5 * 60_000;
        try {
          assert.equal((await attempt('admin', MASTER_KEY)).status, 200);
        } finally {
          clock = START;
        }
      });
    },
  );
}

describe('web UI sign-in without a database', () => {
  it("answers LiteLLM's no-database error", async () => {
    const g = await startGateway(CONFIG);
    try {
      const r = await webCall(`${g.url}/login`, {
        body: { username: 'admin', password: MASTER_KEY },
      });
      assert.equal(r.status, 500);
      assert.match(r.body.error.message, /^No Database connected/);
    } finally {
      await g.close();
    }
  });
});
