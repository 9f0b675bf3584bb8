/**
 * The web UI's admin and key flows driven in a real headless Chromium against one gateway
 * (SQLite): keyboard-only sign-in, key creation within the shown bounds and copying the secret;
 * regenerating and deleting a key (the old secret stops working through the OpenAI SDK); an
 * admin resetting a user's password (their session ends); teams paged by the gateway with
 * members added, re-roled and removed; an organization created, its members managed, and
 * deleted with its teams and their keys; models stored in the database added and edited; a
 * spend report in the browser's time zone and in another, exported as CSV; audit log filters;
 * and signing out to PROXY_LOGOUT_URL.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { ensureUiBuilt, launchBrowser, screenshot } from './helpers/browser.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { spendEntry } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [
    {
      model_name: 'mock-gpt',
      litellm_params: { model: 'mock/mock-gpt', input_cost_per_token: 0.001 },
    },
    { model_name: 'mock-mini', litellm_params: { model: 'mock/mock-mini' } },
  ],
  general_settings: { master_key: MASTER_KEY },
  litellm_settings: { upperbound_key_generate_params: { max_budget: 5, duration: '30d' } },
};

const PASSWORD = 'correct horse battery';
const ADMIN = 'chief@example.com';
const MEMBER = 'dana@example.com';
const TEAMMATE = 'eli@example.com';

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');

describe('web UI admin and key flows in Chromium', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let api: AdminClient;
  let browser: Browser;
  let goodbye: Server;
  let goodbyeUrl = '';
  const ids: Record<string, string> = {};

  before(async () => {
    ensureUiBuilt();
    assert.ok(sqlite);
    goodbye = await serveHtml('<!doctype html><title>Signed out</title><h1>Goodbye</h1>');
    goodbyeUrl = `http://127.0.0.1:${(goodbye.address() as AddressInfo).port}/bye`;
    opened = await sqlite.open();
    gateway = await startGateway(CONFIG, {
      store: opened.store,
      env: { PROXY_LOGOUT_URL: goodbyeUrl },
    });
    api = adminClient(gateway.url, MASTER_KEY);
    for (const [email, role] of [
      [ADMIN, 'proxy_admin'],
      [MEMBER, 'internal_user'],
      [TEAMMATE, 'internal_user'],
    ] as const) {
      const made = await api.post('/user/new', {
        user_email: email,
        user_role: role,
        password: PASSWORD,
        auto_create_key: false,
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      ids[email] = made.body.user_id as string;
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await opened?.close();
    await new Promise((done) => goodbye?.close(done));
  });

  async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ baseURL: gateway.url, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // Deleting and regenerating ask for confirmation first.
    page.on('dialog', (dialog) => void dialog.accept());
    return page;
  }

  async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
    await page.goto('/ui/');
    await page.getByLabel('Email or user name').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My keys' }).waitFor();
  }

  async function openPage(page: Page, link: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: link, exact: true }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached' });
  }

  /** Presses Tab until `target` has the focus: what a keyboard user does to reach it. */
  async function tabTo(page: Page, target: Locator): Promise<void> {
    for (let presses = 0; presses < 40; presses++) {
      if (await target.evaluate((element) => element === element.ownerDocument.activeElement)) {
        return;
      }
      await page.keyboard.press('Tab');
    }
    assert.fail(`Tab never reached ${String(target)}`);
  }

  function openaiWith(secret: string): OpenAI {
    return new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  }

  async function chatStatus(secret: string): Promise<number> {
    try {
      await openaiWith(secret).chat.completions.create({
        model: 'mock-gpt',
        messages: [{ role: 'user', content: 'ping' }],
      });
      return 200;
    } catch (error: unknown) {
      if (error instanceof OpenAI.APIError) return error.status ?? 0;
      throw error;
    }
  }

  let secret = '';
  let member: Page;

  it('signs in, creates a key within the shown bounds and copies its secret by keyboard only', async () => {
    member = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
    await member.goto('/ui/');
    await member.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await tabTo(member, member.getByLabel('Email or user name'));
    await member.keyboard.type(MEMBER);
    await tabTo(member, member.getByLabel('Password'));
    await member.keyboard.type(PASSWORD);
    await member.keyboard.press('Enter');
    await member.getByRole('heading', { name: 'My keys' }).waitFor();

    await tabTo(member, member.getByRole('button', { name: 'Create key' }));
    await member.keyboard.press('Enter');
    const dialog = member.getByRole('dialog');
    const bounds = dialog.getByTestId('key-bounds');
    await bounds.waitFor();
    assert.match((await bounds.textContent()) ?? '', /\$5\.00.*30 days/);
    assert.deepEqual(
      await dialog.locator('label.check').allTextContents(),
      ['mock-gpt', 'mock-mini'],
      'the models the user may use',
    );
    await screenshot(member, 'keyboard-create-key');
    assert.ok(
      await dialog.getByLabel('Name').evaluate((e) => e === e.ownerDocument.activeElement),
      'the dialog opens with the focus on its first field',
    );
    await member.keyboard.type('keyboard key');
    await tabTo(member, dialog.getByLabel('mock-gpt'));
    await member.keyboard.press('Space');
    assert.equal(await dialog.getByLabel('mock-gpt').isChecked(), true);
    await tabTo(member, dialog.getByRole('button', { name: 'Create key' }));
    await member.keyboard.press('Enter');
    const secretBox = member.getByTestId('secret-value');
    await secretBox.waitFor();
    secret = (await secretBox.textContent()) ?? '';
    assert.match(secret, /^sk-/);
    await tabTo(member, member.getByRole('dialog').getByRole('button', { name: 'Copy' }));
    await member.keyboard.press('Enter');
    await member.getByRole('dialog').getByText('Copied').waitFor();
    // Runs in the page: its clipboard, typed here without the DOM library.
    const copied = await member.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    assert.equal(copied, secret);
    await tabTo(member, member.getByRole('button', { name: 'Done' }));
    await member.keyboard.press('Enter');
    await member.getByRole('cell', { name: /keyboard key/ }).waitFor();

    const info = await api.get(`/key/info?key=${encodeURIComponent(secret)}`);
    assert.equal(info.body.info.max_budget, 5, 'no budget asked: the bound applies');
    assert.deepEqual(info.body.info.models, ['mock-gpt']);
  });

  it('regenerates a key (the old secret stops working) and deletes it', async () => {
    assert.equal(await chatStatus(secret), 200);
    await member.getByRole('button', { name: 'Regenerate' }).click();
    const secretBox = member.getByTestId('secret-value');
    await secretBox.waitFor();
    const renewed = (await secretBox.textContent()) ?? '';
    assert.match(renewed, /^sk-/);
    assert.notEqual(renewed, secret);
    await member.getByRole('button', { name: 'Done' }).click();
    assert.equal(await chatStatus(secret), 401, 'the old secret is refused');
    assert.equal(await chatStatus(renewed), 200);

    await member.getByRole('button', { name: 'Delete' }).click();
    await member.getByText('You have no keys yet').waitFor();
    assert.equal(await chatStatus(renewed), 401, 'a deleted key is refused');
  });

  let admin: Page;

  it("lets an admin reset a user's password, which ends that user's session", async () => {
    admin = await newPage();
    await signIn(admin, ADMIN);
    await openPage(admin, 'Users');
    const row = admin.getByRole('row', { name: new RegExp(MEMBER) });
    await row.getByRole('button', { name: 'Reset password' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('New password', { exact: true }).fill('brand new secret');
    await dialog.getByLabel('Repeat the new password').fill('brand new secreT');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await dialog.getByText('The two passwords are not the same.').waitFor();
    await dialog.getByLabel('Repeat the new password').fill('brand new secret');
    await screenshot(admin, 'admin-reset-password');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await admin.getByText(`${MEMBER} has a new password and was signed out.`).waitFor();

    // The member's open page finds its session gone at the next click.
    await member
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Usage' })
      .click();
    await member.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    const old = await api.post('/login', { username: MEMBER, password: PASSWORD });
    assert.equal(old.status, 401);
    await signIn(member, MEMBER, 'brand new secret');
  });

  it('pages teams from the gateway and manages members and their roles', async () => {
    for (let n = 1; n <= 27; n++) {
      const team = { team_alias: `Crew ${String(n).padStart(2, '0')}` };
      assert.equal((await api.post('/team/new', team)).status, 200);
    }
    await openPage(admin, 'Teams');
    await admin.getByText('Page 1 of 2 · 27 in all').waitFor();
    assert.equal(await admin.getByRole('cell', { name: /^Crew \d\d/ }).count(), 25);
    await admin.getByRole('button', { name: 'Next' }).click();
    await admin.getByText('Page 2 of 2 · 27 in all').waitFor();
    await admin.getByRole('cell', { name: /Crew 27/ }).waitFor();
    await admin.getByLabel('Search by name').fill('crew 1');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByText('Page 1 of 1 · 10 in all').waitFor();

    const row = admin.getByRole('row', { name: /Crew 12/ });
    const teamId = ((await row.locator('.mono').textContent()) ?? '').trim();
    await row.getByRole('button', { name: 'Members' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByText('This team has no members.').waitFor();
    await dialog.getByLabel('Add by email').fill(TEAMMATE);
    await dialog.getByLabel('As').selectOption('user');
    await dialog.getByRole('button', { name: 'Add' }).click();
    const role = dialog.getByLabel(`Role of ${TEAMMATE}`);
    await role.waitFor();
    const membersOf = async () =>
      (await api.get(`/team/info?team_id=${teamId}`)).body.team_info.members_with_roles as {
        user_id: string;
        role: string;
      }[];
    assert.deepEqual(
      (await membersOf()).map((m) => [m.user_id, m.role]),
      [[ids[TEAMMATE], 'user']],
    );
    await role.selectOption('admin');
    await waitUntil(async () => (await membersOf())[0]?.role === 'admin');
    await screenshot(admin, 'admin-team-members');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await dialog.getByText('This team has no members.').waitFor();
    assert.deepEqual(await membersOf(), []);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it("gives a call's tag a budget that holds every call under it, changes it and deletes it", async () => {
    const taggedCall = async (): Promise<number> => {
      try {
        await openaiWith(MASTER_KEY).chat.completions.create({
          model: 'mock-gpt',
          messages: [{ role: 'user', content: 'ping' }],
          // LiteLLM's metadata holds lists (tags); the SDK's type holds strings only.
          metadata: { tags: ['ui-cost-centre'] },
        } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
        return 200;
      } catch (error: unknown) {
        if (error instanceof OpenAI.APIError) return error.status ?? 0;
        throw error;
      }
    };
    assert.equal(await taggedCall(), 200);
    await gateway.app.ledger?.flush();
    await openPage(admin, 'Tags');
    const row = admin.getByRole('row', { name: /ui-cost-centre/ });
    await row.getByText('Spend label only').waitFor();

    await row.getByRole('button', { name: 'Set a budget' }).click();
    const form = admin.getByRole('dialog');
    assert.equal(await form.getByLabel('Name').inputValue(), 'ui-cost-centre');
    await form.getByLabel('Description').fill('Research cost centre');
    await form.getByLabel('Budget in USD (empty: no limit)').fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Research cost centre').waitFor();
    assert.equal(await taggedCall(), 429, 'a call under the tag is held to its budget');
    const infoOf = async () =>
      (await api.post('/tag/info', { names: ['ui-cost-centre'] })).body['ui-cost-centre'];
    assert.equal((await infoOf()).max_budget, 0);

    await row.getByRole('button', { name: 'Edit' }).click();
    await form.getByLabel('Budget in USD (empty: no limit)').fill('100');
    await form.getByLabel('Budget period').selectOption({ label: 'Monthly' });
    await form.getByRole('button', { name: 'Save' }).click();
    await row.getByText(/monthly/).waitFor();
    assert.match((await row.innerText()).replace(/\s+/g, ' '), /\$0\.00 \/ \$100\.00 monthly/);
    assert.equal((await infoOf()).budget_duration, '1mo');
    assert.equal(await taggedCall(), 200);
    await screenshot(admin, 'admin-tags');

    let question = '';
    admin.once('dialog', (asked) => (question = asked.message()));
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByText('Spend label only').waitFor();
    assert.match(question, /Delete the tag "ui-cost-centre"/);
    assert.equal((await api.post('/tag/info', { names: ['ui-cost-centre'] })).status, 404);
  });

  it('creates an organization, manages its members and deletes it with its teams', async () => {
    await openPage(admin, 'Organizations');
    await admin.getByText('No organizations yet.').waitFor();
    await admin.getByRole('button', { name: 'Add organization' }).click();
    const form = admin.getByRole('dialog');
    await form.getByLabel('Name').fill('Acme Labs');
    await form.getByLabel('Budget in USD (empty: no limit)').fill('100');
    await form.getByLabel('Budget period').selectOption({ label: 'Monthly' });
    await form.getByLabel('mock-gpt').check();
    await form.getByRole('button', { name: 'Save' }).click();
    const row = admin.getByRole('row', { name: /Acme Labs/ });
    await row.getByRole('cell', { name: 'mock-gpt' }).waitFor();
    const organizationId = ((await row.locator('.mono').textContent()) ?? '').trim();
    const infoOf = () => api.get(`/organization/info?organization_id=${organizationId}`);
    const made = await infoOf();
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.organization_alias, 'Acme Labs');
    assert.deepEqual(made.body.models, ['mock-gpt']);
    assert.equal(made.body.litellm_budget_table.max_budget, 100);
    assert.equal(made.body.litellm_budget_table.budget_duration, '1mo');
    assert.match((await row.innerText()).replace(/\s+/g, ' '), /\$0\.00 \/ \$100\.00 monthly/);

    // A team of the organization, with a key: both go with it.
    const team = await api.post('/team/new', {
      team_alias: 'Acme research',
      organization_id: organizationId,
      models: ['mock-gpt'],
    });
    assert.equal(team.status, 200, JSON.stringify(team.body));
    const teamId = team.body.team_id as string;
    const key = await api.post('/key/generate', { team_id: teamId });
    assert.equal(key.status, 200, JSON.stringify(key.body));

    await row.getByRole('button', { name: 'Members' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByText('This organization has no members.').waitFor();
    await dialog.getByLabel('Add by email').fill(TEAMMATE);
    await dialog.getByLabel('As').selectOption('internal_user');
    await dialog.getByRole('button', { name: 'Add' }).click();
    const role = dialog.getByLabel(`Role of ${TEAMMATE}`);
    await role.waitFor();
    const membersOf = async () =>
      ((await infoOf()).body.members as { user_id: string; user_role: string }[]).map((m) => [
        m.user_id,
        m.user_role,
      ]);
    assert.deepEqual(await membersOf(), [[ids[TEAMMATE], 'internal_user']]);
    await role.selectOption('org_admin');
    await waitUntil(async () => (await membersOf())[0]?.[1] === 'org_admin');
    await screenshot(admin, 'admin-organization-members');
    await dialog.getByRole('button', { name: `Remove ${TEAMMATE}` }).click();
    await dialog.getByText('This organization has no members.').waitFor();
    assert.deepEqual(await membersOf(), []);
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Closing the dialog reloads the list: the team made meanwhile is counted.
    await row.locator('td:nth-child(4)', { hasText: /^1$/ }).waitFor();
    await screenshot(admin, 'admin-organizations');

    let question = '';
    admin.once('dialog', (asked) => (question = asked.message()));
    await row.getByRole('button', { name: 'Delete' }).click();
    await admin.getByText('No organizations yet.').waitFor();
    assert.match(question, /Acme Labs.*teams and their keys are deleted too \(1 team\)/);
    assert.equal((await infoOf()).status, 404);
    assert.equal((await api.get(`/team/info?team_id=${teamId}`)).status, 404);
    assert.equal(await chatStatus(key.body.key as string), 401, "the team's key went too");
  });

  it('adds a model to the database and edits it', async () => {
    await openPage(admin, 'Model deployments');
    await admin.getByRole('button', { name: 'Add model' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Model name').fill('house-model');
    await dialog.getByLabel('Provider model').fill('mock/house-v1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = admin.getByRole('row', { name: /house-model/ });
    await row.getByRole('cell', { name: 'mock/house-v1' }).waitFor();
    await row.getByRole('cell', { name: 'Database' }).waitFor();
    const served = await openaiWith(MASTER_KEY).chat.completions.create({
      model: 'house-model',
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.ok(served.choices[0]?.message.content);

    await row.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Provider model').fill('mock/house-v2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await row.getByRole('cell', { name: 'mock/house-v2' }).waitFor();
    await screenshot(admin, 'admin-models-edited');
    const listed = (await api.get('/model/info')).body.data as {
      model_name: string;
      litellm_params: { model: string };
    }[];
    assert.deepEqual(
      listed.filter((m) => m.model_name === 'house-model').map((m) => m.litellm_params.model),
      ['mock/house-v2'],
    );
  });

  it('reports spend per day in the browser time zone or another, and exports it as CSV', async () => {
    const ledger = gateway.app.ledger;
    assert.ok(ledger);
    const team = await api.post('/team/new', { team_alias: 'Night owls' });
    // 23:30 UTC on March 10th is March 11th in Tokyo.
    for (const [at, cost] of [
      ['2025-03-10T05:00:00Z', 1],
      ['2025-03-10T23:30:00Z', 2],
      ['2025-03-11T10:00:00Z', 4],
    ] as const) {
      const start = Date.parse(at);
      ledger.book(
        spendEntry({
          userId: ids[MEMBER],
          teamId: team.body.team_id as string,
          model: 'mock-gpt',
          cost,
          startTime: start,
          endTime: start + 100,
        }),
      );
    }
    await ledger.flush();

    const tokyo = await newPage({ timezoneId: 'Asia/Tokyo' });
    await signIn(tokyo, ADMIN);
    await openPage(tokyo, 'Spend reports');
    assert.equal(await tokyo.getByLabel('Time zone').inputValue(), 'Asia/Tokyo');
    await tokyo.getByLabel('From').fill('2025-03-10');
    await tokyo.getByLabel('To').fill('2025-03-11');
    const perDay = async () => {
      await tokyo.getByRole('status').waitFor({ state: 'detached' });
      const rows = tokyo.getByRole('table', { name: 'Spend per day' }).locator('tbody tr');
      return (await rows.allInnerTexts()).map((text) => text.split('\t').map((c) => c.trim()));
    };
    await tokyo.getByText('Spend per day').click();
    await tokyo.getByRole('cell', { name: '2025-03-11' }).waitFor();
    assert.deepEqual(await perDay(), [
      ['2025-03-10', '$1.00'],
      ['2025-03-11', '$6.00'],
    ]);
    await screenshot(tokyo, 'admin-spend-tokyo');

    await tokyo.getByLabel('Time zone').selectOption('UTC');
    await tokyo.getByText('Days run from midnight to midnight in UTC').waitFor();
    await tokyo.getByText('Spend per day').click();
    await tokyo.getByRole('cell', { name: '$3.00' }).waitFor();
    assert.deepEqual(await perDay(), [
      ['2025-03-10', '$3.00'],
      ['2025-03-11', '$4.00'],
    ]);

    const download = tokyo.waitForEvent('download');
    await tokyo.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'spend-by-team-2025-03-10-to-2025-03-11-UTC.csv');
    const csv = await readFile((await file.path()) ?? '', 'utf8');
    assert.equal(csv, 'team,spend_usd\r\nNight owls,7\r\n');
  });

  it('filters the audit log by table and action', async () => {
    await openPage(admin, 'Audit log');
    await admin.getByLabel('Table').selectOption('teams');
    await admin.getByLabel('Action').selectOption('created');
    await admin.getByRole('status').waitFor({ state: 'detached' });
    const rows = admin.locator('tbody tr');
    await admin.getByRole('cell', { name: 'created' }).first().waitFor();
    const texts = await rows.allInnerTexts();
    assert.ok(texts.length >= 28, `${texts.length} team creations`);
    assert.ok(
      texts.every((t) => /\tcreated\t/.test(t) && /\tteams\n/.test(t)),
      texts[0],
    );
    await admin.getByLabel('Table').selectOption('models');
    await admin.getByLabel('Action').selectOption('updated');
    await admin.getByRole('cell', { name: 'updated' }).first().waitFor();
    const edits = await admin.locator('tbody tr').allInnerTexts();
    assert.equal(edits.length, 1, edits.join('\n'));
    await admin.getByRole('button', { name: 'Show' }).click();
    await admin.getByText('mock/house-v2').first().waitFor();
    await screenshot(admin, 'admin-audit-filtered');
  });

  it('signs out to PROXY_LOGOUT_URL', async () => {
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.waitForURL(goodbyeUrl);
    await admin.getByRole('heading', { name: 'Goodbye' }).waitFor();
    const session = await admin.request.get(`${gateway.url}/session`);
    assert.equal(session.status(), 401, 'the session ended on the server');
  });
});

/** Polls `check` until it holds (the page changes the gateway in the background). */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the change never reached the gateway');
}

function serveHtml(html: string): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
