/**
 * The Logs page in a real headless Chromium against a real gateway (SQLite): calls made through
 * the OpenAI SDK with two keys, one of them failing and one three days old, are listed newest
 * first with their time, model, key, tokens, cost and status for an admin; the time range, status,
 * model and request id filters narrow the list; a row's details show its request id, customer,
 * and the request and answer the gateway kept (`store_prompts_in_spend_logs`);
 * an internal user sees only the calls of their own key, even when they ask for another one's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { ensureUiBuilt, launchBrowser, screenshot } from './helpers/browser.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { INPUT_PRICE, OUTPUT_PRICE, pricedModel } from './helpers/priced-models.js';

const CONFIG = {
  model_list: [
    pricedModel('house-large'),
    pricedModel('house-small'),
    // Nothing listens there: every call to it fails.
    {
      model_name: 'down',
      litellm_params: { model: 'openai/down', api_base: 'http://127.0.0.1:9/v1' },
    },
  ],
  // The calls' requests and answers are kept, for the details to show them.
  general_settings: { master_key: MASTER_KEY, store_prompts_in_spend_logs: true },
  router_settings: { num_retries: 0 },
};

const PASSWORD = 'correct horse battery';
const ADMIN = 'lead@example.com';
const MEMBER = 'fay@example.com';
const MEMBER_KEY = 'fay-laptop';
const OPS_KEY = 'ops-batch';
const DAY = 86_400_000;

/** The pages' money format. */
const dollars = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});

/** A call made through the gateway, as the Logs page should list it. */
interface Call {
  requestId: string;
  /** The Model cell: the model name, and the provider's model under it. */
  model: string;
  key: string;
  tokens: string;
  cost: string;
  status: 'success' | 'failure';
  /** What the model answered (successful calls). */
  answer?: string;
  /** The days (en-US, UTC) the call may have started on: before and after it was made. */
  days: string[];
}

/** A row of the table as a user reads it. */
interface Listed {
  when: string;
  model: string;
  key: string;
  tokens: string;
  cost: string;
  duration: string;
  status: string;
}

const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');

describe('the Logs page in Chromium', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  let api: AdminClient;
  let browser: Browser;
  let clockOffset = 0;
  const secrets: Record<string, string> = {};
  let calls: Record<'old' | 'first' | 'second' | 'small' | 'failed', Call>;

  before(async () => {
    ensureUiBuilt();
    assert.ok(sqlite);
    opened = await sqlite.open();
    gateway = await startGateway(CONFIG, {
      store: opened.store,
      now: () => Date.now() + clockOffset,
    });
    api = adminClient(gateway.url, MASTER_KEY);
    const ids: Record<string, string> = {};
    for (const [email, role] of [
      [ADMIN, 'proxy_admin'],
      [MEMBER, 'internal_user'],
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
    for (const [alias, userId] of [
      [MEMBER_KEY, ids[MEMBER]],
      [OPS_KEY, undefined],
    ] as const) {
      const made = await api.post('/key/generate', { key_alias: alias, user_id: userId });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      secrets[alias] = made.body.key as string;
    }

    // Three days ago: outside the last 24 hours, inside the last 7 days.
    clockOffset = -3 * DAY;
    const old = await chat(OPS_KEY, 'house-small', 'Yesterday and the day before');
    clockOffset = 0;
    const first = await chat(MEMBER_KEY, 'house-large', 'Hi');
    const second = await chat(MEMBER_KEY, 'house-large', 'What is the capital of France, please?');
    const small = await chat(OPS_KEY, 'house-small', 'Summarise the report');
    const failed = await chat(OPS_KEY, 'down', 'Is anyone there?');
    calls = { old, first, second, small, failed };
    await gateway.app.ledger?.flush();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await gateway?.close();
    await opened?.close();
  });

  /** One chat completion through the OpenAI SDK; what the page should show of it. */
  async function chat(keyAlias: string, model: string, content: string): Promise<Call> {
    const sdk = new OpenAI({
      apiKey: secrets[keyAlias],
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    const started = Date.now() + clockOffset;
    const days = () =>
      [started, Date.now() + clockOffset].map((t) =>
        new Date(t).toLocaleDateString('en-US', { timeZone: 'UTC' }),
      );
    try {
      const { data, response } = await sdk.chat.completions
        .create({ model, messages: [{ role: 'user', content }], user: 'cust-42' })
        .withResponse();
      assert.ok(data.usage && data.usage.completion_tokens > 0, 'the mock answers with usage');
      const { prompt_tokens: prompt, completion_tokens: completion } = data.usage;
      return {
        requestId: response.headers.get('x-litellm-call-id') ?? '',
        model: `${model}\nmock/${model}`,
        key: keyAlias,
        tokens: `${prompt} → ${completion}`,
        cost: dollars.format(prompt * INPUT_PRICE + completion * OUTPUT_PRICE),
        status: 'success',
        answer: data.choices[0]?.message.content ?? undefined,
        days: days(),
      };
    } catch (error: unknown) {
      if (!(error instanceof OpenAI.APIError)) throw error;
      return {
        requestId: error.headers?.get('x-litellm-call-id') ?? '',
        model: `${model}\nopenai/${model}`,
        key: keyAlias,
        tokens: '0 → 0',
        cost: dollars.format(0),
        status: 'failure',
        days: days(),
      };
    }
  }

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({
      baseURL: gateway.url,
      locale: 'en-US',
      timezoneId: 'UTC',
    });
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

  async function openLogs(page: Page): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Logs' })
      .click();
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    await page.getByRole('status').waitFor({ state: 'detached' });
  }

  /** What a user compares in a row: model, key, tokens, cost and status. */
  const seen = (row: Listed) => [row.model, row.key, row.tokens, row.cost, row.status];
  const expected = (...wanted: Call[]) =>
    wanted.map((c) => [c.model, c.key, c.tokens, c.cost, c.status]);

  /** The rows of the table once they are `wanted` (or the last ones read, after 10 seconds). */
  async function listed(page: Page, wanted: string[][]): Promise<Listed[]> {
    let rows: Listed[] = [];
    for (let tries = 0; tries < 100; tries++) {
      if ((await page.getByRole('status').count()) === 0) {
        rows = await readRows(page);
        if (JSON.stringify(rows.map(seen)) === JSON.stringify(wanted)) return rows;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return rows;
  }

  let admin: Page;

  it('lists every call for an admin, newest first, with model, key, tokens, cost and status', async () => {
    admin = await newPage();
    await signIn(admin, ADMIN);
    await openLogs(admin);
    assert.equal(await admin.getByLabel('Time range').inputValue(), '24');
    const wanted = expected(calls.failed, calls.small, calls.second, calls.first);
    const rows = await listed(admin, wanted);
    assert.deepEqual(rows.map(seen), wanted, 'the calls of the last 24 hours, newest first');
    for (const [i, call] of [calls.failed, calls.small, calls.second, calls.first].entries()) {
      const row = rows[i];
      assert.ok(row);
      assert.ok(
        call.days.some((d) => row.when.startsWith(d)),
        `${row.when} is the day of the call (${call.days.join(' or ')})`,
      );
      assert.match(row.duration, /^\d[\d,.]* (ms|s)$/);
    }
    await admin.getByText('4 in all').waitFor();
    await screenshot(admin, 'logs-admin');

    await admin.getByLabel('Time range').selectOption({ label: 'Last 7 days' });
    const week = expected(calls.failed, calls.small, calls.second, calls.first, calls.old);
    const weekRows = await listed(admin, week);
    assert.deepEqual(weekRows.map(seen), week, 'the call of three days ago joins the list');
    assert.ok(
      calls.old.days.some((d) => weekRows[4]?.when.startsWith(d)),
      weekRows[4]?.when,
    );
  });

  it('filters by status and shows a call’s details', async () => {
    await admin.getByLabel('Status').selectOption({ label: 'Failure' });
    const failures = expected(calls.failed);
    assert.deepEqual((await listed(admin, failures)).map(seen), failures, 'only the failed call');

    const show = admin.getByRole('button', { name: 'Show' });
    await show.click();
    const hide = admin.getByRole('button', { name: 'Hide' });
    assert.equal(await hide.getAttribute('aria-expanded'), 'true');
    const facts = admin.locator('dl.facts');
    await facts.waitFor();
    assert.match(calls.failed.requestId, /\S/, 'the gateway names the call');
    const details = await facts.innerText();
    assert.match(details, new RegExp(`Request id\\s+${calls.failed.requestId}`));
    assert.match(details, /Call type\s+acompletion/);
    assert.match(details, /Customer\s+cust-42/);
    await admin.getByText(`"user_api_key_alias": "${OPS_KEY}"`).waitFor();
    // The failed call's request was kept; it has no answer to show.
    await admin.getByRole('heading', { name: 'Request' }).waitFor();
    assert.match(await admin.locator('pre.json').first().innerText(), /"Is anyone there\?"/);
    assert.equal(await admin.getByRole('heading', { name: 'Response' }).count(), 0);
    await screenshot(admin, 'logs-details');
    await hide.click();
    await facts.waitFor({ state: 'detached' });
    assert.equal(await show.getAttribute('aria-expanded'), 'false');
  });

  it('filters by model and by request id, and says when nothing matches', async () => {
    await admin.getByLabel('Status').selectOption({ label: 'Any' });
    await admin.getByLabel('Model').fill('house-small');
    await admin.getByRole('button', { name: 'Filter' }).click();
    const small = expected(calls.small, calls.old);
    assert.deepEqual((await listed(admin, small)).map(seen), small, 'house-small over 7 days');

    await admin.getByLabel('Model').fill('');
    await admin.getByLabel('Request id').fill(calls.second.requestId);
    await admin.getByRole('button', { name: 'Filter' }).click();
    const one = expected(calls.second);
    assert.deepEqual((await listed(admin, one)).map(seen), one, 'the one call with that id');
    // Its details show what it asked and the answer it got.
    await admin.getByRole('button', { name: 'Show' }).click();
    await admin.getByRole('heading', { name: 'Response' }).waitFor();
    const kept = await admin.locator('pre.json').allInnerTexts();
    assert.match(kept[0] ?? '', /What is the capital of France, please\?/);
    assert.ok(calls.second.answer && (kept[1] ?? '').includes(calls.second.answer));
    await admin.getByRole('button', { name: 'Hide' }).click();

    await admin.getByLabel('Request id').fill('');
    await admin.getByLabel('Model').fill('no-such-model');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.getByText('No calls in this time range for these filters.').waitFor();
    assert.equal(await admin.locator('tbody tr').count(), 0);
  });

  it('shows an internal user only the calls of their own key', async () => {
    const member = await newPage();
    await signIn(member, MEMBER);
    await openLogs(member);
    const own = expected(calls.second, calls.first);
    assert.deepEqual((await listed(member, own)).map(seen), own, 'their two calls, no one else’s');
    await member.getByText('2 in all').waitFor();
    await screenshot(member, 'logs-member');

    await member.getByLabel('Time range').selectOption({ label: 'Last 30 days' });
    assert.deepEqual((await listed(member, own)).map(seen), own, 'still only their own calls');
    await member.getByLabel('Request id').fill(calls.failed.requestId);
    await member.getByRole('button', { name: 'Filter' }).click();
    await member.getByText('No calls in this time range for these filters.').waitFor();
  });
});

/** The call rows of the table, cell by cell (an open row's details are not a call row). */
async function readRows(page: Page): Promise<Listed[]> {
  const rows: Listed[] = [];
  for (const row of await page.locator('tbody tr').all()) {
    const cells = await row.getByRole('cell').allInnerTexts();
    if (cells.length !== 8) continue;
    const [when = '', model = '', key = '', tokens = '', cost = '', duration = '', status = ''] =
      cells;
    rows.push({ when, model, key, tokens, cost, duration, status });
  }
  return rows;
}
