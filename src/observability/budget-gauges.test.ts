import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import pino from 'pino';
import { BudgetCalendar } from '../spend/budget-calendar.js';
import { counterKey } from '../spend/counter-store.js';
import { StoreSpendLedger } from '../spend/spend-ledger.js';
import { spendEntry } from '../../test/helpers/spend-entries.js';
import { BudgetActivity, registerBudgetGauges, type StoredBudget } from './budget-gauges.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');

function principal(keyHash: string, teamId?: string): Principal {
  return {
    keyHash,
    key: { key_alias: `alias-${keyHash}` },
    teamId,
    team: teamId === undefined ? undefined : { team_alias: `team-${teamId}` },
  } as unknown as Principal;
}

function budget(id: string, fields: Partial<StoredBudget>): StoredBudget {
  return {
    id,
    alias: `alias-${id}`,
    spend: 0,
    max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    ...fields,
  };
}

/** The value of the series of `name` whose labels contain `label`. */
function valueOf(text: string, name: string, label: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line?.split(' ').at(-1);
}

describe('budget gauges', () => {
  test('count spend in the current window only, plus what is booked and not written', async () => {
    const registry = new Registry();
    const activity = new BudgetActivity();
    activity.seen(principal('k-old', 't1'));
    activity.seen(principal('k-live'));
    const rows = [
      // Its window ended yesterday: the stored 9 belong to it; the new window ends in a day.
      budget('k-old', {
        spend: 9,
        max_budget: 10,
        budget_duration: '1d',
        budget_reset_at: '2026-03-09T18:00:00Z',
      }),
      budget('k-live', {
        spend: 4,
        max_budget: 10,
        budget_duration: '30d',
        budget_reset_at: '2026-03-11T12:00:00Z',
      }),
    ];
    registerBudgetGauges(registry, activity, {
      onError: (error) => assert.fail(String(error)),
      keys: (hashes) => Promise.resolve(rows.filter((r) => hashes.includes(r.id))),
      teams: () => Promise.resolve([budget('t1', { spend: 1 })]),
      users: () => Promise.resolve([]),
      organizations: () => Promise.resolve([]),
      pending: (kind, id) => (kind === 'key' && id === 'k-live' ? 0.5 : 0),
      now: () => NOW,
      calendar: BudgetCalendar.UNALIGNED,
    });
    const text = await registry.metrics();
    assert.equal(valueOf(text, 'litellm_remaining_api_key_budget_metric', 'k-old'), '10');
    assert.equal(valueOf(text, 'litellm_api_key_budget_remaining_hours_metric', 'k-old'), '6');
    assert.equal(valueOf(text, 'litellm_remaining_api_key_budget_metric', 'k-live'), '5.5');
    assert.equal(valueOf(text, 'litellm_api_key_budget_remaining_hours_metric', 'k-live'), '24');
    assert.equal(valueOf(text, 'litellm_api_key_max_budget_metric', 'k-live'), '10');
    // A team without max_budget or window: +Inf left, no max, no hours.
    assert.equal(valueOf(text, 'litellm_remaining_team_budget_metric', 'team="t1"'), '+Inf');
    assert.equal(valueOf(text, 'litellm_team_max_budget_metric', 't1'), undefined);
    assert.equal(valueOf(text, 'litellm_team_budget_remaining_hours_metric', 't1'), undefined);
  });

  test('read again when a spend batch commits during the read: its spend is counted once', async () => {
    const registry = new Registry();
    const activity = new BudgetActivity();
    activity.seen(principal('k-race'));
    // 1 stored; 2 booked, and the writer commits them while the first read is under way.
    let stored = 1;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ledger = new StoreSpendLedger({
      store: {
        record: async (rows) => {
          await gate;
          for (const row of rows) stored += row.log.spend;
          return rows.length;
        },
      },
      logger: pino({ level: 'silent' }),
      intervalMs: 60_000,
    });
    ledger.book(spendEntry({ keyHash: 'k-race', cost: 2, startTime: NOW, endTime: NOW }));
    const flushed = ledger.flush();
    let reads = 0;
    registerBudgetGauges(registry, activity, {
      onError: (error) => assert.fail(String(error)),
      keys: async () => {
        reads += 1;
        const seen = stored;
        if (reads === 1) {
          open();
          await flushed;
        }
        return [
          budget('k-race', {
            spend: seen,
            max_budget: 10,
            budget_duration: '30d',
            budget_reset_at: '2026-04-01T00:00:00Z',
          }),
        ];
      },
      teams: () => Promise.resolve([]),
      users: () => Promise.resolve([]),
      organizations: () => Promise.resolve([]),
      pending: (kind, id) => ledger.pendingFor(counterKey(kind, id)),
      readStored: (read) => ledger.readStored(read),
      writtenSince: (written, kind, id) => ledger.writtenSince(written, counterKey(kind, id)),
      now: () => NOW,
      calendar: BudgetCalendar.UNALIGNED,
    });
    const text = await registry.metrics();
    assert.equal(reads, 2);
    assert.equal(valueOf(text, 'litellm_remaining_api_key_budget_metric', 'k-race'), '7');
    await ledger.close();
  });

  test("users' and organizations' budgets, with LiteLLM's labels", async () => {
    const registry = new Registry();
    const activity = new BudgetActivity();
    activity.seen({
      keyHash: 'k9',
      key: { key_alias: null },
      userId: 'ann',
      user: { user_id: 'ann' },
      organization: { organization_id: 'org-1', organization_alias: 'Acme' },
    } as unknown as Principal);
    // The master key has no user with a budget.
    activity.seen({ keyHash: undefined, userId: 'default_user_id' } as unknown as Principal);
    const asked: Record<string, readonly string[]> = {};
    registerBudgetGauges(registry, activity, {
      onError: (error) => assert.fail(String(error)),
      keys: () => Promise.resolve([]),
      teams: () => Promise.resolve([]),
      users: (ids) => {
        asked.users = ids;
        return Promise.resolve([budget('ann', { alias: null, spend: 2, max_budget: 5 })]);
      },
      organizations: (ids) => {
        asked.organizations = ids;
        return Promise.resolve([
          budget('org-1', {
            alias: 'Acme',
            spend: 10,
            max_budget: 100,
            budget_duration: '1d',
            budget_reset_at: '2026-03-11T00:00:00Z',
          }),
        ]);
      },
      pending: (kind) => (kind === 'organization' ? 1 : 0),
      now: () => NOW,
      calendar: BudgetCalendar.UNALIGNED,
    });
    const text = await registry.metrics();
    assert.deepEqual(asked, { users: ['ann'], organizations: ['org-1'] });
    assert.match(text, /^litellm_remaining_user_budget_metric\{user="ann"\} 3$/m);
    assert.match(text, /^litellm_user_max_budget_metric\{user="ann"\} 5$/m);
    assert.match(
      text,
      /^litellm_remaining_org_budget_metric\{org_id="org-1",org_alias="Acme"\} 89$/m,
    );
    assert.match(
      text,
      /^litellm_org_budget_remaining_hours_metric\{org_id="org-1",org_alias="Acme"\} 12$/m,
    );
  });

  test('one read per scrape; a failed read leaves the gauges out of that scrape only', async () => {
    const registry = new Registry();
    const activity = new BudgetActivity();
    activity.seen(principal('k1'));
    let reads = 0;
    const errors: unknown[] = [];
    registerBudgetGauges(registry, activity, {
      onError: (error) => errors.push(error),
      keys: () => {
        reads++;
        return reads === 1
          ? Promise.reject(new Error('database down'))
          : Promise.resolve([budget('k1', { max_budget: 2, spend: 0.5 })]);
      },
      teams: () => Promise.resolve([]),
      users: () => Promise.resolve([]),
      organizations: () => Promise.resolve([]),
      pending: () => 0,
      now: () => NOW,
      calendar: BudgetCalendar.UNALIGNED,
    });
    const during = await registry.metrics();
    assert.equal(reads, 1, 'the gauges shared one read');
    assert.equal(errors.length, 1, 'the failure is reported');
    assert.equal(valueOf(during, 'litellm_remaining_api_key_budget_metric', 'k1'), undefined);
    const text = await registry.metrics();
    assert.equal(reads, 2);
    assert.equal(valueOf(text, 'litellm_remaining_api_key_budget_metric', 'k1'), '1.5');
  });

  test('notes virtual keys and teams only, not the master key', () => {
    const activity = new BudgetActivity();
    activity.seen({ keyHash: 'master' } as unknown as Principal);
    activity.seen(principal('k1', 't1'));
    activity.seen(principal('k1', 't1'));
    assert.deepEqual([...activity.keys], [['k1', 'alias-k1']]);
    assert.deepEqual([...activity.teams], [['t1', 'team-t1']]);
  });
});
