/**
 * Calendar-aligned budget windows through a real gateway (`litellm_settings.timezone`), on an
 * injected clock: the `budget_reset_at` the admin API sets and shows, the admission of the call
 * after a reset (not refused for yesterday's spend), and the stored row once the ledger has
 * written, all agree on the same local midnights and 1sts of the month, across a change to
 * summer time too. Without a time zone, windows stay `budget_duration` long as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { hashKey } from '../src/auth/authenticate.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { MESSAGES, pricedModel } from './helpers/money-ledger.js';

const ZONE = 'America/New_York';

function config(timezone?: string): Record<string, unknown> {
  return {
    // Output dear, input cheap: a budget that one call spent still pays the next one's prompt.
    model_list: [pricedModel({ output_cost_per_token: 0.01 })],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: timezone === undefined ? {} : { timezone },
  };
}

const at = (iso: string): number => Date.parse(iso);

/** A budget's life across one reset: instants and the `budget_reset_at` expected at each. */
interface Reset {
  budgetDuration: string;
  /** When the key is made, and the first `budget_reset_at` it must get. */
  createdAt: string;
  firstReset: string;
  /** When spend is booked (up to the budget), and the end of the window that holds it. */
  spentAt: string;
  spentWindowEnd: string;
  /** Just after that window: spend starts from 0 in a window ending at `nextReset`. */
  afterAt: string;
  nextReset: string;
}

for (const database of await testDatabases()) {
  describe(`budget windows in ${ZONE} on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    let clock = at('2025-01-01T12:00:00Z');

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(config(ZONE), { store: opened.store, now: () => clock });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    async function call(key: string): Promise<unknown> {
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      return client.chat.completions.create({ model: 'priced', messages: MESSAGES }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }

    async function keyInfo(key: string): Promise<{ spend: number; budget_reset_at: string }> {
      const r = await api.get(`/key/info?key=${key}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.info;
    }

    /**
     * Makes a key at `createdAt`, spends its whole budget in the window holding `spentAt`, then
     * checks that at `afterAt` the spend counts from 0 in /key/info, in admission and in the row.
     */
    async function acrossReset(reset: Reset): Promise<void> {
      clock = at(reset.createdAt);
      const made = await api.post('/key/generate', {
        max_budget: 1,
        budget_duration: reset.budgetDuration,
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const key = made.body.key as string;
      assert.equal(made.body.budget_reset_at, reset.firstReset, 'set when the key is made');
      assert.equal((await keyInfo(key)).budget_reset_at, reset.firstReset);

      clock = at(reset.spentAt);
      // Read before anything is booked: the window is computed, not taken from a rolled row.
      assert.equal((await keyInfo(key)).budget_reset_at, reset.spentWindowEnd);
      assert.equal(await call(key), undefined);
      await gateway.app.ledger?.flush();
      const spent = await keyInfo(key);
      assert.ok(spent.spend > 0);
      assert.equal(spent.budget_reset_at, reset.spentWindowEnd);
      // The budget is now exactly what was spent: the next call in this window is refused.
      const lowered = await api.post('/key/update', { key, max_budget: spent.spend });
      assert.equal(lowered.status, 200, JSON.stringify(lowered.body));
      const refused = await call(key);
      assert.ok(refused instanceof OpenAI.APIError, String(refused));
      assert.equal(refused.status, 429);
      assert.match(refused.message, /Budget has been exceeded!/);

      clock = at(reset.afterAt);
      const fresh = await keyInfo(key);
      assert.equal(fresh.spend, 0, 'a new window starts from 0');
      assert.equal(fresh.budget_reset_at, reset.nextReset);
      assert.equal(await call(key), undefined, 'admitted: the old window no longer counts');
      await gateway.app.ledger?.flush();
      const row = await opened.store.keys.findByHash(hashKey(key));
      assert.ok(row);
      assert.equal(row.budget_reset_at, reset.nextReset, 'the ledger rolled the row');
      assert.ok(row.spend > 0 && row.spend <= spent.spend, `only the new call: ${row.spend}`);
      assert.equal((await keyInfo(key)).spend, row.spend);
    }

    it('a daily budget made at 23:30 resets at the next local midnight', async () => {
      await acrossReset({
        budgetDuration: '1d',
        // 23:30 on Jan 14 in New York (UTC-5).
        createdAt: '2025-01-15T04:30:00Z',
        firstReset: '2025-01-15T05:00:00.000Z',
        spentAt: '2025-01-15T04:45:00Z',
        spentWindowEnd: '2025-01-15T05:00:00.000Z',
        // 00:10 on Jan 15.
        afterAt: '2025-01-15T05:10:00Z',
        nextReset: '2025-01-16T05:00:00.000Z',
      });
    });

    it('keeps to local midnight across the change to summer time (a 23-hour day)', async () => {
      await acrossReset({
        budgetDuration: 'daily',
        // 23:30 on Mar 8, EST; clocks go from 02:00 to 03:00 on Mar 9.
        createdAt: '2025-03-09T04:30:00Z',
        firstReset: '2025-03-09T05:00:00.000Z',
        // 23:30 on Mar 9, now EDT (UTC-4): the window from Mar 9 ends at 04:00 UTC, not 05:00.
        spentAt: '2025-03-10T03:30:00Z',
        spentWindowEnd: '2025-03-10T04:00:00.000Z',
        afterAt: '2025-03-10T04:10:00Z',
        nextReset: '2025-03-11T04:00:00.000Z',
      });
    });

    it('admits a key in use at local midnight at once, on the day summer time starts', async () => {
      // 23:30 on Mar 8, EST: the first window ends at 00:00 on Mar 9.
      clock = at('2025-03-09T04:30:00Z');
      const made = await api.post('/key/generate', { max_budget: 0.3, budget_duration: '1d' });
      const key = made.body.key as string;
      // 23:59:30 on Mar 9, EDT: spend the day's budget, until a call is refused.
      clock = at('2025-03-10T03:59:30Z');
      let refusal: unknown;
      for (let calls = 0; calls < 30 && refusal === undefined; calls++) refusal = await call(key);
      assert.ok(refusal instanceof OpenAI.APIError && refusal.status === 429, String(refusal));
      await gateway.app.ledger?.flush();
      // 00:00:10 on Mar 10, the key still cached as it was read at 23:59:30: admission's own
      // window ends at local midnight (04:00 UTC after the 23-hour day, not 05:00).
      clock = at('2025-03-10T04:00:10Z');
      assert.equal(await call(key), undefined, 'a new day: not refused for yesterday');
      await gateway.app.ledger?.flush();
      const row = await opened.store.keys.findByHash(hashKey(key));
      assert.equal(row?.budget_reset_at, '2025-03-11T04:00:00.000Z');
    });

    it('a monthly budget resets on the 1st of the month, local time', async () => {
      await acrossReset({
        budgetDuration: '1mo',
        // 23:30 on Jan 31 local, already Feb 1 in UTC: the reset is Feb 1 local, not Mar 1.
        createdAt: '2025-02-01T04:30:00Z',
        firstReset: '2025-02-01T05:00:00.000Z',
        spentAt: '2025-02-01T04:40:00Z',
        spentWindowEnd: '2025-02-01T05:00:00.000Z',
        afterAt: '2025-02-01T05:10:00Z',
        nextReset: '2025-03-01T05:00:00.000Z',
      });
    });

    it('users, teams and customers get the same calendar from the admin API', async () => {
      // 22:00 on Wednesday Jan 15 in New York.
      clock = at('2025-01-16T03:00:00Z');
      const user = await api.post('/user/new', {
        user_id: 'calendar-user',
        budget_duration: '1d',
        auto_create_key: false,
      });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      assert.equal(user.body.budget_reset_at, '2025-01-16T05:00:00.000Z');
      const team = await api.post('/team/new', { team_alias: 'calendar', budget_duration: '1w' });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      // The next Monday, Jan 20, 00:00 local.
      assert.equal(team.body.budget_reset_at, '2025-01-20T05:00:00.000Z');
      const customer = await api.post('/customer/new', {
        user_id: 'calendar-customer',
        budget_duration: '30d',
      });
      assert.equal(customer.status, 200, JSON.stringify(customer.body));
      assert.equal(customer.body.litellm_budget_table.budget_reset_at, '2025-02-01T05:00:00.000Z');
      const updated = await api.post('/user/update', {
        user_id: 'calendar-user',
        budget_duration: '6h',
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      // 22:00 local: the next multiple of 6 hours is midnight.
      assert.equal(updated.body.budget_reset_at, '2025-01-16T05:00:00.000Z');

      // A day later, every view shows the window holding the new instant.
      clock = at('2025-01-17T06:00:00Z');
      const info = await api.get('/user/info?user_id=calendar-user');
      assert.equal(info.body.user_info.budget_reset_at, '2025-01-17T11:00:00.000Z');
      const teamInfo = await api.get(`/team/info?team_id=${team.body.team_id as string}`);
      assert.equal(teamInfo.body.team_info.budget_reset_at, '2025-01-20T05:00:00.000Z');
    });

    it('refuses Nmo other than 1 month, as LiteLLM does with calendar resets', async () => {
      const r = await api.post('/key/generate', { budget_duration: '2mo' });
      assert.equal(r.status, 400);
      assert.match(JSON.stringify(r.body), /Monthly resets currently only support 1 month/);
    });
  });
}

describe('budget windows without a time zone', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  const clock = at('2025-01-15T04:30:00Z');

  before(async () => {
    opened = await (await testDatabases())[0]!.open();
    gateway = await startGateway(config(), { store: opened.store, now: () => clock });
  });
  after(async () => {
    await gateway?.close();
    await opened?.close();
  });

  it('stay budget_duration long from when the budget was set, as older LiteLLM', async () => {
    const api = adminClient(gateway.url, MASTER_KEY);
    const made = await api.post('/key/generate', { max_budget: 1, budget_duration: '1d' });
    assert.equal(made.body.budget_reset_at, '2025-01-16T04:30:00.000Z');
    const monthly = await api.post('/key/generate', { max_budget: 1, budget_duration: '2mo' });
    assert.equal(monthly.body.budget_reset_at, '2025-03-15T04:30:00.000Z');
  });
});
