/**
 * SSO in a real headless Chromium against a real OpenID provider (oidc-provider) and a gateway on
 * SQLite: the sign-in page offers SSO only when the gateway has a provider, the button leads
 * through the provider's own sign-in and consent pages back into the web UI, signed in with the
 * role and the teams the provider's claims name (the groups claim, teams created with
 * default_team_params); a user whose role claim is proxy_admin lands as an admin and opens the
 * admin pages. The API agrees with what the pages show. Screenshots go to test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { ensureUiBuilt, launchBrowser, screenshot } from './helpers/browser.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  IDP_CLIENT_ID,
  IDP_CLIENT_SECRET,
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
    default_internal_user_params: { user_role: 'internal_user', max_budget: 25 },
    default_team_params: { max_budget: 100, budget_duration: '30d', models: ['mock-gpt'] },
    // SSO users make team keys only: the team picker is how they get a key at all.
    key_generation_settings: { personal_key_generation: { allowed_user_roles: ['proxy_admin'] } },
  },
};

const ALICE = {
  sub: 'alice-sub',
  preferred_username: 'alice',
  email: 'alice@example.com',
  name: 'Alice Example',
  groups: ['eng', 'platform'],
};
const ROOT = {
  sub: 'root-sub',
  preferred_username: 'root',
  email: 'root@example.com',
  role: 'proxy_admin',
  groups: ['platform'],
};

interface SessionBody {
  user_id: string;
  user_role: string;
}
interface UserInfoBody {
  user_info: { max_budget: number | null };
  teams: { team_id: string }[];
  keys: { key_alias: string | null; team_id: string | null }[];
}

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');

describe('SSO sign-in in Chromium', () => {
  let opened: OpenedTestStore;
  let idp: TestIdp;
  let gateway: TestGateway;
  let api: AdminClient;
  let browser: Browser;

  before(async () => {
    ensureUiBuilt();
    assert.ok(sqlite);
    idp = await startTestIdp();
    opened = await sqlite.open();
    gateway = await startGateway(CONFIG, {
      store: opened.store,
      env: {
        GENERIC_CLIENT_ID: IDP_CLIENT_ID,
        GENERIC_CLIENT_SECRET: IDP_CLIENT_SECRET,
        GENERIC_ISSUER: idp.issuer,
        GENERIC_SCOPE: 'openid email profile groups',
      },
    });
    idp.configure([`${gateway.url}/sso/callback`]);
    idp.setUser(ALICE);
    idp.setUser(ROOT);
    api = adminClient(gateway.url, MASTER_KEY);
    // An existing team keeps its own name and settings; "platform" is made at the first sign-in.
    const team = await api.post('/team/new', { team_id: 'eng', team_alias: 'Engineering' });
    assert.equal(team.status, 200, JSON.stringify(team.body));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await opened?.close();
    await idp?.close();
  });

  async function newPage(baseURL = gateway.url): Promise<Page> {
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  /** From the gateway's sign-in page through the provider's own pages, back into the UI. */
  async function signInWithSso(page: Page, login: string, shots: string): Promise<void> {
    await page.goto('/ui/');
    await page.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    // oidc-provider's development sign-in page (any password), then its consent page.
    await page.waitForURL((url) => url.href.startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any-password');
    await screenshot(page, `${shots}-provider-login`);
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(gateway.url));
    await page.getByRole('heading', { name: 'My keys' }).waitFor();
  }

  /** A GET from the page itself, with the session's cookie. */
  async function fetchJson<T>(page: Page, path: string): Promise<{ status: number; body: T }> {
    const answer = await page.evaluate(async (target) => {
      const response = await fetch(target);
      return { status: response.status, body: (await response.json()) as unknown };
    }, path);
    return { status: answer.status, body: answer.body as T };
  }

  it('offers SSO on the sign-in page only when a provider is configured', async () => {
    const page = await newPage();
    await page.goto('/ui/');
    await page.getByRole('link', { name: 'Sign in with SSO' }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: 'Sign in with SSO' }).getAttribute('href'),
      '/sso/key/generate',
    );
    await screenshot(page, 'sso-login-page');
    await page.context().close();

    const plain = await startGateway(CONFIG, { store: opened.store });
    try {
      const config = await fetch(`${plain.url}/.well-known/litellm-ui-config`);
      assert.equal(((await config.json()) as { sso_configured: boolean }).sso_configured, false);
      const without = await newPage(plain.url);
      const answered = without.waitForResponse((r) =>
        r.url().endsWith('/.well-known/litellm-ui-config'),
      );
      await without.goto('/ui/');
      await answered;
      await without.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await without.getByRole('link', { name: 'Sign in with SSO' }).count(), 0);
      await without.context().close();
    } finally {
      await plain.close();
    }
  });

  it('signs a user in through the provider with the role and teams its claims name', async () => {
    const page = await newPage();
    await signInWithSso(page, ALICE.sub, 'sso-user');
    assert.equal(await page.getByTestId('who').textContent(), 'alice@example.com · User');
    assert.equal(await page.getByRole('link', { name: 'Teams' }).count(), 0);
    await screenshot(page, 'sso-user-keys');

    // The team picker lists the groups claim's teams: the existing one under its own name.
    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('laptop');
    const team = dialog.getByLabel('Team');
    // The teams load after the dialog opens: read the choices once the last one is there.
    await team.locator('option', { hasText: 'platform' }).waitFor({ state: 'attached' });
    const choices = await team.locator('option').allTextContents();
    assert.deepEqual(choices, ['None (a personal key)', 'Engineering', 'platform']);
    await team.selectOption('platform');
    await screenshot(page, 'sso-user-team-key');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Your new key' }).waitFor();

    const session = await fetchJson<SessionBody>(page, '/session');
    assert.equal(session.status, 200);
    assert.equal(session.body.user_id, 'alice');
    assert.equal(session.body.user_role, 'internal_user');
    const me = await fetchJson<UserInfoBody>(page, '/user/info?user_id=alice');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.teams.map((t) => t.team_id).sort(), ['eng', 'platform']);
    assert.equal(me.body.user_info.max_budget, 25);
    assert.deepEqual(
      me.body.keys.map((k) => [k.key_alias, k.team_id]),
      [['laptop', 'platform']],
    );
    const made = await api.get('/team/info?team_id=platform');
    assert.equal(made.body.team_info.max_budget, 100);
    await page.context().close();
  });

  it('lands a user whose role claim is proxy_admin as an admin who opens the admin pages', async () => {
    const page = await newPage();
    await signInWithSso(page, ROOT.sub, 'sso-admin');
    assert.equal(await page.getByTestId('who').textContent(), 'root@example.com · Admin');
    const session = await fetchJson<SessionBody>(page, '/session');
    assert.equal(session.body.user_role, 'proxy_admin');

    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Teams' })
      .click();
    await page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached' });
    const main = page.getByRole('main');
    // The team made at alice's sign-in, named after its id, with both users from the claims.
    const platform = main.getByRole('row').filter({ hasText: 'platform' });
    await platform.waitFor();
    assert.deepEqual((await platform.getByRole('cell').allTextContents()).slice(0, 2), [
      'platformplatform',
      '2',
    ]);
    await main.getByRole('row').filter({ hasText: 'Engineering' }).waitFor();
    await screenshot(page, 'sso-admin-teams');

    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Users' })
      .click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    await main.getByText('alice@example.com').waitFor();
    await screenshot(page, 'sso-admin-users');
    await page.context().close();
  });
});
