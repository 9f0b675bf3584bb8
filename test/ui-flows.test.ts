/**
 * The web UI in a real headless Chromium against a real gateway (SQLite): an admin invites a
 * user, who sets a password from the link, signs in, makes a key, calls a model with it through
 * the OpenAI SDK and sees the spend on the Usage page; viewers get no buttons they cannot use and
 * the API refuses them anyway; non-admins cannot open admin pages; sign-out and session expiry
 * end the session; a cross-site form post and a request without the CSRF token are refused.
 * Every page is saved as a screenshot in test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { ensureUiBuilt, launchBrowser, screenshot } from './helpers/browser.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [
    {
      model_name: 'mock-gpt',
      litellm_params: {
        model: 'mock/mock-gpt',
        input_cost_per_token: 0.001,
        output_cost_per_token: 0.002,
      },
    },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const PASSWORD = 'correct horse battery';
const ADMIN = 'admin@example.com';
const VIEWER = 'viewer@example.com';
const MEMBER = 'member@example.com';
const INVITED = 'new.person@example.com';
const HOUR = 3_600_000;

/** The Usage page's money format. */
const dollars = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');

describe('web UI in Chromium', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let api: AdminClient;
  let browser: Browser;
  let clockOffset = 0;

  before(async () => {
    ensureUiBuilt();
    assert.ok(sqlite);
    opened = await sqlite.open();
    gateway = await startGateway(CONFIG, {
      store: opened.store,
      now: () => Date.now() + clockOffset,
    });
    api = adminClient(gateway.url, MASTER_KEY);
    for (const [email, role] of [
      [ADMIN, 'proxy_admin'],
      [VIEWER, 'internal_user_viewer'],
      [MEMBER, 'internal_user'],
    ] as const) {
      const made = await api.post('/user/new', {
        user_email: email,
        user_role: role,
        password: PASSWORD,
        auto_create_key: false,
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await opened?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: gateway.url });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto('/ui/');
    await page.getByLabel('Email or user name').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My keys' }).waitFor();
  }

  async function openPage(page: Page, link: string, heading = link): Promise<void> {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached' });
  }

  /** A request from the page itself, with the session's cookies (and the CSRF token if asked). */
  function fetchFromPage(
    page: Page,
    request: { path: string; method?: string; body?: unknown; csrf?: boolean },
  ): Promise<{ status: number; text: string }> {
    return page.evaluate(async ({ path, method, body, csrf }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      // Runs in the page: its document, typed here without the DOM library.
      const { cookie } = (globalThis as unknown as { document: { cookie: string } }).document;
      const token = /(?:^|;\s*)tollgate_csrf=([^;]+)/.exec(cookie)?.[1];
      if (csrf && token) headers['x-csrf-token'] = decodeURIComponent(token);
      const response = await fetch(path, {
        method: method ?? 'GET',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, text: await response.text() };
    }, request);
  }

  it('admin invites a user who sets a password, makes a key, calls a model and sees the spend', async () => {
    const admin = await newPage();
    await admin.goto('/ui/');
    await admin.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await screenshot(admin, 'login');
    await signIn(admin, ADMIN);

    await openPage(admin, 'Users');
    await admin.getByRole('button', { name: 'Add user' }).click();
    await admin.getByRole('dialog').getByLabel('Email').fill(INVITED);
    await admin.getByRole('button', { name: 'Add and invite' }).click();
    const linkBox = admin.getByTestId('secret-value');
    await linkBox.waitFor();
    await screenshot(admin, 'admin-invitation-link');
    const link = (await linkBox.textContent()) ?? '';
    assert.match(link, /\/ui\/onboarding\?id=/);
    await admin.getByRole('button', { name: 'Close' }).click();
    await admin.getByRole('cell', { name: new RegExp(INVITED) }).waitFor();
    await screenshot(admin, 'admin-users');

    const user = await newPage();
    await user.goto(new URL(link).pathname + new URL(link).search);
    await user.getByText(INVITED).waitFor();
    await screenshot(user, 'onboarding');
    await user.getByLabel('New password').fill(PASSWORD);
    await user.getByLabel('Repeat the password').fill(PASSWORD);
    await user.getByRole('button', { name: 'Set password and sign in' }).click();
    await user.getByRole('heading', { name: 'My keys' }).waitFor();

    // Signing out ends the session; the new password signs in again.
    await user.getByRole('button', { name: 'Sign out' }).click();
    await user.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    assert.equal((await fetchFromPage(user, { path: '/session' })).status, 401);
    await signIn(user, INVITED);
    await user.getByText('You have no keys yet').waitFor();
    await screenshot(user, 'my-keys-empty');

    await user.getByRole('button', { name: 'Create key' }).click();
    const dialog = user.getByRole('dialog');
    await dialog.getByLabel('Name').fill('laptop');
    await dialog.getByLabel('mock-gpt').check();
    await screenshot(user, 'my-keys-create');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const secretBox = user.getByTestId('secret-value');
    await secretBox.waitFor();
    await screenshot(user, 'my-keys-secret');
    const secret = (await secretBox.textContent()) ?? '';
    assert.match(secret, /^sk-/);
    await user.getByRole('button', { name: 'Done' }).click();
    await user.getByRole('cell', { name: /laptop/ }).waitFor();
    await screenshot(user, 'my-keys');

    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'How much is a cup of tea?' }],
    });
    assert.ok(completion.usage && completion.usage.total_tokens > 0);
    await gateway.app.ledger?.flush();
    const booked = await api.get(`/key/info?key=${encodeURIComponent(secret)}`);
    const spend = booked.body.info.spend as number;
    assert.ok(spend > 0, 'the call was priced');

    await openPage(user, 'Usage');
    const shown = user.getByTestId('period-spend');
    await shown.waitFor();
    assert.equal(await shown.textContent(), dollars.format(spend));
    await user.getByRole('figure', { name: 'Spend by model' }).waitFor();
    await screenshot(user, 'usage');
    // On a phone the pages sit behind a menu button.
    await user.setViewportSize({ width: 390, height: 844 });
    await user.getByRole('button', { name: 'Menu' }).click();
    await user
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Usage' })
      .waitFor();
    await screenshot(user, 'usage-phone');
    await user.getByRole('button', { name: 'Menu' }).click();
    await user.setViewportSize({ width: 1280, height: 800 });

    await openPage(user, 'Models');
    await user.getByRole('cell', { name: 'mock-gpt' }).waitFor();
    await screenshot(user, 'models');

    // The playground streams an answer with the key made in this tab.
    await openPage(user, 'Playground');
    await user.getByLabel('Message').fill('Say something');
    await user.getByRole('button', { name: 'Send' }).click();
    await user.getByRole('button', { name: 'Send' }).waitFor();
    const answer = (await user.getByTestId('message-assistant').textContent()) ?? '';
    assert.ok(answer.replace('Model:', '').trim().length > 0, `streamed answer: ${answer}`);
    await screenshot(user, 'playground');

    // Every admin page renders for the admin.
    for (const [name, heading] of [
      ['Teams', 'Teams'],
      ['All keys', 'All keys'],
      ['Spend reports', 'Spend reports'],
      ['Model deployments', 'Model deployments'],
      ['Invitations', 'Invitations'],
      ['Audit log', 'Audit log'],
    ] as const) {
      await openPage(admin, name, heading);
      await screenshot(admin, `admin-${name.toLowerCase().replaceAll(' ', '-')}`);
    }
    // The invitation the user claimed is shown as used.
    await openPage(admin, 'Invitations');
    await admin.getByRole('cell', { name: 'Used', exact: true }).waitFor();
  });

  it('a viewer sees keys without buttons to change them, and the API refuses to make one', async () => {
    const viewer = await newPage();
    await signIn(viewer, VIEWER);
    await viewer.getByText('Your account can see its keys but not change them').waitFor();
    assert.equal(await viewer.getByRole('button', { name: 'Create key' }).count(), 0);
    await screenshot(viewer, 'viewer-my-keys');
    const refused = await fetchFromPage(viewer, {
      path: '/key/generate',
      method: 'POST',
      body: { key_alias: 'viewer-key' },
      csrf: true,
    });
    assert.ok([401, 403].includes(refused.status), `${refused.status} ${refused.text}`);
    assert.doesNotMatch(refused.text, /csrf/i, 'refused for the role, not the token');
    const keys = await api.get('/key/list?key_alias=viewer-key');
    assert.equal(keys.body.total_count, 0);
  });

  it('a user who is not an admin cannot open admin pages, and the API refuses them', async () => {
    const member = await newPage();
    await signIn(member, MEMBER);
    assert.equal(await member.getByRole('heading', { name: 'Administration' }).count(), 0);
    await member.goto('/ui/admin/users');
    await member.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await screenshot(member, 'member-admin-refused');
    const audit = await fetchFromPage(member, { path: '/audit/logs' });
    assert.ok([401, 403].includes(audit.status), `${audit.status} ${audit.text}`);
    const made = await fetchFromPage(member, {
      path: '/user/new',
      method: 'POST',
      body: { user_email: 'sneaky@example.com' },
      csrf: true,
    });
    assert.ok([401, 403].includes(made.status), `${made.status} ${made.text}`);
  });

  it('refuses a cross-site form post and a request without the CSRF token', async () => {
    const member = await newPage();
    await signIn(member, MEMBER);
    // JSON smuggled in a text/plain form, posted from another site (localhost vs 127.0.0.1).
    const { port } = new URL(gateway.url);
    const evil = await serveHtml(`<!doctype html>
      <form id="f" method="POST" enctype="text/plain" action="http://127.0.0.1:${port}/key/generate">
        <input name='{"key_alias":"csrf-attack","pad":"' value='"}'>
      </form>
      <script>document.getElementById('f').submit()</script>`);
    try {
      const answered = member.waitForResponse((r) => r.url().endsWith('/key/generate'));
      await member.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`);
      const response = await answered;
      assert.ok([401, 403].includes(response.status()), `cross-site post: ${response.status()}`);
    } finally {
      await new Promise((done) => evil.close(done));
    }
    await member.goto('/ui/keys');
    await member.getByRole('heading', { name: 'My keys' }).waitFor();
    const body = { key_alias: 'csrf-probe' };
    const withoutToken = await fetchFromPage(member, {
      path: '/key/generate',
      method: 'POST',
      body,
    });
    assert.equal(withoutToken.status, 403, withoutToken.text);
    const withToken = await fetchFromPage(member, {
      path: '/key/generate',
      method: 'POST',
      body,
      csrf: true,
    });
    assert.equal(withToken.status, 200, withToken.text);
    const attacks = await api.get('/key/list?key_alias=csrf-attack');
    assert.equal(attacks.body.total_count, 0);
  });

  it('an expired session sends the user back to the sign-in form', async () => {
    const member = await newPage();
    await signIn(member, MEMBER);
    clockOffset += 400 * 24 * HOUR;
    try {
      await member
        .getByRole('navigation', { name: 'Pages' })
        .getByRole('link', { name: 'Usage' })
        .click();
      await member.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
      assert.equal((await fetchFromPage(member, { path: '/session' })).status, 401);
    } finally {
      clockOffset = 0;
    }
  });
});

function serveHtml(html: string): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  // Every loopback address: the browser may resolve localhost to ::1 or to 127.0.0.1.
  return new Promise((resolve) => server.listen(0, () => resolve(server)));
}
