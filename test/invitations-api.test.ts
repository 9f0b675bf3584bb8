/**
 * Invitations and onboarding over HTTP against a real gateway, on every database: LiteLLM's
 * /invitation/* shapes, every onboarding error (unknown, expired, used link; wrong user; weak
 * password; a forged onboarding token), the single-use claim under a race, sign-in afterwards,
 * and /user/new with send_invite_email delivering the link to a real SMTP server.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { signIn, webCall } from './helpers/web-session.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};
const START = Date.parse('2025-06-06T00:02:16.454Z');
const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

/** A real SMTP server on a free port of 127.0.0.1 that keeps what it receives. */
async function startSmtp(): Promise<{
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === 'mail-secret') {
        callback(null, { user: auth.username });
      } else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The text of a message body with quoted-printable soft breaks and escapes undone. */
function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

for (const database of await testDatabases()) {
  describe(`invitations and onboarding on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let clock = START;
    const url = (path: string) => `${gateway.url}${path}`;

    const makeUser = async (user_id: string) => {
      const r = await api.post('/user/new', {
        user_id,
        user_email: `${user_id}@example.com`,
        user_role: 'internal_user',
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { user_id: string; key: string };
    };
    const invite = async (user_id: string) => {
      const r = await api.post('/invitation/new', { user_id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { id: string; invitation_link: string };
    };
    const claim = (body: Record<string, unknown>, headers?: Record<string, string>) =>
      webCall(url('/onboarding/claim_token'), { body, headers });

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store, now: () => clock });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    it("creates an invitation in LiteLLM's shape, valid 7 days, with the link to share", async () => {
      await makeUser('ivy');
      const r = await api.post('/invitation/new', { user_id: 'ivy' });
      assert.equal(r.status, 200);
      assert.match(r.body.id, UUID);
      assert.deepEqual(r.body, {
        id: r.body.id,
        user_id: 'ivy',
        is_accepted: false,
        accepted_at: null,
        expires_at: new Date(START + 7 * DAY).toISOString(),
        created_at: new Date(START).toISOString(),
        created_by: 'default_user_id',
        updated_at: new Date(START).toISOString(),
        updated_by: 'default_user_id',
        invitation_link: `${gateway.url}/ui/onboarding?id=${r.body.id}`,
      });
      const info = await api.get(`/invitation/info?invitation_id=${r.body.id}`);
      assert.deepEqual(info.body, r.body);
    });

    it('refuses an unknown user, a missing user_id and unknown invitation ids', async () => {
      const unknown = await api.post('/invitation/new', { user_id: 'ghost' });
      assert.equal(unknown.status, 400);
      assert.equal(
        unknown.body.error.message,
        "User id does not exist in 'LiteLLM_UserTable'. Fix this by creating user via `/user/new`.",
      );
      assert.equal((await api.post('/invitation/new', {})).status, 422);
      for (const r of [
        await api.get('/invitation/info?invitation_id=nope'),
        await api.post('/invitation/update', { invitation_id: 'nope', is_accepted: true }),
        await api.post('/invitation/delete', { invitation_id: 'nope' }),
      ]) {
        assert.equal(r.status, 400);
        assert.equal(r.body.error.message, 'Invitation id does not exist in the database.');
      }
    });

    it('updates, lists (paginated, by user) and deletes invitations', async () => {
      await makeUser('lia');
      const first = await invite('lia');
      clock += 1000;
      const second = await invite('lia');
      const updated = await api.post('/invitation/update', {
        invitation_id: first.id,
        is_accepted: true,
      });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.is_accepted, true);
      assert.equal(updated.body.accepted_at, new Date(clock).toISOString());
      const page = await api.get('/invitation/list?user_id=lia&page_size=1');
      assert.equal(page.status, 200);
      assert.equal(page.body.total, 2);
      assert.equal(page.body.total_pages, 2);
      assert.deepEqual(
        page.body.invitations.map((i: { id: string }) => i.id),
        [second.id],
      );
      const deleted = await api.post('/invitation/delete', { invitation_id: second.id });
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.id, second.id);
      assert.equal((await api.get('/invitation/list?user_id=lia')).body.total, 1);
      clock = START;
    });

    it('lets admin viewers read invitations but not create them', async () => {
      const viewer = await api.post('/user/new', { user_role: 'proxy_admin_viewer' });
      const ivyInvite = await invite('ivy');
      const read = await api.get(`/invitation/info?invitation_id=${ivyInvite.id}`, viewer.body.key);
      assert.equal(read.status, 200);
      const create = await api.post('/invitation/new', { user_id: 'ivy' }, viewer.body.key);
      assert.equal(create.status, 403);
    });

    it('onboards: get_token, claim with a password, signed in, then email + password works', async () => {
      await makeUser('olga');
      const invitation = await invite('olga');
      const token = await webCall(url(`/onboarding/get_token?invite_link=${invitation.id}`), {});
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal(token.body.user_id, 'olga');
      assert.equal(token.body.user_email, 'olga@example.com');
      assert.equal(token.body.login_url, invitation.invitation_link);
      // The onboarding token is not a credential anywhere else.
      const asKey = await api.get('/key/list', token.body.token);
      assert.equal(asKey.status, 401);
      assert.equal(
        (
          await webCall(url('/session'), {
            headers: { authorization: `Bearer ${token.body.token}` },
          })
        ).status,
        401,
      );

      const claimed = await claim(
        { invitation_link: invitation.id, user_id: 'olga', password: 'olga-password' },
        { authorization: `Bearer ${token.body.token}` },
      );
      assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
      assert.equal(claimed.body.login_url, `${gateway.url}/ui/?login=success`);
      assert.equal(claimed.body.user_id, 'olga');
      assert.equal(claimed.body.user_role, 'internal_user');
      const cookie = claimed.headers.getSetCookie().join('\n');
      assert.match(cookie, /tollgate_session=[^;]+; .*HttpOnly/);
      const info = await api.get(`/invitation/info?invitation_id=${invitation.id}`);
      assert.equal(info.body.is_accepted, true);
      assert.equal(info.body.accepted_at, new Date(clock).toISOString());
      const session = await signIn(gateway.url, 'OLGA@example.com', 'olga-password');
      assert.equal(session.body.user_id, 'olga');
    });

    it('refuses an unknown link, an expired link and a used link, on get_token and claim', async () => {
      await makeUser('uma');
      const body = (id: string) => ({
        invitation_link: id,
        user_id: 'uma',
        password: 'uma-password',
      });
      const unknownToken = await webCall(url('/onboarding/get_token?invite_link=nope'), {});
      assert.equal(unknownToken.status, 404);
      assert.equal(unknownToken.body.error.message, 'Invitation link does not exist in db.');
      const unknownClaim = await claim(body('nope'));
      assert.equal(unknownClaim.status, 404);

      const old = await invite('uma');
      clock = START + 7 * DAY;
      try {
        for (const r of [
          await webCall(url(`/onboarding/get_token?invite_link=${old.id}`), {}),
          await claim(body(old.id)),
        ]) {
          assert.equal(r.status, 400);
          assert.equal(r.body.error.message, 'Invitation link has expired.');
        }
      } finally {
        clock = START;
      }

      const used = await invite('uma');
      assert.equal((await claim(body(used.id))).status, 200);
      for (const r of [
        await webCall(url(`/onboarding/get_token?invite_link=${used.id}`), {}),
        await claim({ ...body(used.id), password: 'another-password' }),
      ]) {
        assert.equal(r.status, 409);
        assert.equal(r.body.error.message, 'Invitation link has already been used.');
      }
      // The refused second claim did not change the password.
      await signIn(gateway.url, 'uma', 'uma-password');
    });

    it('refuses the wrong user, a weak or overlong password, and a forged onboarding token', async () => {
      await makeUser('wes');
      const invitation = await invite('wes');
      const wrongUser = await claim({
        invitation_link: invitation.id,
        user_id: 'ivy',
        password: 'long-enough',
      });
      assert.equal(wrongUser.status, 400);
      assert.equal(
        wrongUser.body.error.message,
        'Invalid invitation link. The user id does not match the invitation.',
      );
      for (const password of ['short', 'x'.repeat(129)]) {
        const weak = await claim({ invitation_link: invitation.id, user_id: 'wes', password });
        assert.equal(weak.status, 400);
        assert.equal(weak.body.error.message, 'Password must be 8 to 128 characters long.');
        assert.equal(weak.body.error.param, 'password');
      }
      const forged = await claim(
        { invitation_link: invitation.id, user_id: 'wes', password: 'long-enough' },
        { authorization: 'Bearer onb.9999999999999.forged' },
      );
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.message, 'Invalid onboarding session for invitation link.');
      const missing = await claim({ invitation_link: invitation.id, user_id: 'wes' });
      assert.equal(missing.status, 422);
      // None of them used the link.
      assert.equal(
        (await api.get(`/invitation/info?invitation_id=${invitation.id}`)).body.is_accepted,
        false,
      );
    });

    it('lets exactly one of two concurrent claims of a link succeed', async () => {
      await makeUser('race');
      const invitation = await invite('race');
      const answers = await Promise.all(
        ['first-password', 'second-password'].map((password) =>
          claim({ invitation_link: invitation.id, user_id: 'race', password }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409]);
      const winner = answers[0]!.status === 200 ? 'first-password' : 'second-password';
      await signIn(gateway.url, 'race', winner);
    });

    it("deletes a user's invitations with the user", async () => {
      await makeUser('gone');
      const invitation = await invite('gone');
      assert.equal((await api.post('/user/delete', { user_ids: ['gone'] })).status, 200);
      assert.equal((await api.get(`/invitation/info?invitation_id=${invitation.id}`)).status, 400);
    });

    it('/user/new with send_invite_email and no SMTP: the link, no email', async () => {
      const r = await api.post('/user/new', {
        user_email: 'nomail@example.com',
        send_invite_email: true,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.match(r.body.invitation_link, /\/ui\/onboarding\?id=[0-9a-f-]{36}$/);
      assert.equal(r.body.invitation_email_sent, false);
    });
  });

  describe(`invitation email on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;

    before(async () => {
      opened = await database.open();
      smtp = await startSmtp();
      gateway = await startGateway(CONFIG, {
        store: opened.store,
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          SMTP_USERNAME: 'mailer',
          SMTP_PASSWORD: 'mail-secret',
          SMTP_SENDER_EMAIL: 'gateway@example.com',
          SMTP_TLS: 'False',
          PROXY_BASE_URL: 'https://llm.example.com/',
        },
      });
    });
    after(async () => {
      await gateway.close();
      await smtp.close();
      await opened.close();
    });

    it('emails the invitation link of /user/new with send_invite_email to the user', async () => {
      const api = adminClient(gateway.url, MASTER_KEY);
      const r = await api.post('/user/new', {
        user_email: 'newhire@example.com',
        user_role: 'internal_user',
        send_invite_email: true,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.invitation_email_sent, true);
      assert.match(r.body.invitation_link, /^https:\/\/llm\.example\.com\/ui\/onboarding\?id=/);
      assert.equal(smtp.mails.length, 1);
      const [mail] = smtp.mails;
      assert.equal(mail!.from, 'gateway@example.com');
      assert.deepEqual(mail!.to, ['newhire@example.com']);
      assert.equal(mail!.user, 'mailer');
      assert.ok(
        decodeQuotedPrintable(mail!.raw).includes(r.body.invitation_link),
        'the email carries the link',
      );
      // The emailed link opens onboarding.
      const id = new URL(r.body.invitation_link).searchParams.get('id');
      const token = await webCall(`${gateway.url}/onboarding/get_token?invite_link=${id}`, {});
      assert.equal(token.status, 200);
      assert.equal(token.body.user_email, 'newhire@example.com');
    });

    it('still creates the user and the link when the mail server refuses', async () => {
      await smtp.close();
      const api = adminClient(gateway.url, MASTER_KEY);
      const r = await api.post('/user/new', {
        user_email: 'late@example.com',
        send_invite_email: true,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.invitation_email_sent, false);
      assert.match(r.body.invitation_link, /onboarding\?id=/);
    });
  });
}
