/**
 * The import's mapping and plan over an in-memory store: budgets resolved from LiteLLM's budget
 * table, memberships gathered from both places, what clashes with Tollgate's unique emails and
 * aliases, and updates that touch only what changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../store/open-database.js';
import { createStore } from '../store/store.js';
import { mapLiteLLM, toSpendLog } from './import-litellm-mapping.js';
import { planImport } from './import-litellm-plan.js';
import {
  budgetRow,
  endUserRow,
  keyRow,
  membershipRow,
  spendLogRow,
  teamRow,
  userRow,
} from './import-litellm-rows.js';
import type { LiteLLMData } from './import-litellm-source.js';

const AT = '2026-03-15T12:00:00.000Z';

/** LiteLLM data from partial rows, read through the same schemas as the database's rows. */
function litellm(rows: {
  users?: object[];
  teams?: object[];
  memberships?: object[];
  keys?: object[];
  endUsers?: object[];
  budgets?: object[];
}): LiteLLMData {
  const budgets = (rows.budgets ?? []).map((b) => budgetRow.parse(b));
  return {
    users: (rows.users ?? []).map((u) => userRow.parse(u)),
    teams: (rows.teams ?? []).map((t) => teamRow.parse(t)),
    memberships: (rows.memberships ?? []).map((m) => membershipRow.parse(m)),
    keys: (rows.keys ?? []).map((k) => keyRow.parse(k)),
    endUsers: (rows.endUsers ?? []).map((e) => endUserRow.parse(e)),
    budgets: new Map(budgets.map((b) => [b.budget_id, b])),
    modelAliases: new Map(),
  };
}

describe('mapLiteLLM', () => {
  it("resolves linked budgets: the object's own values first, its duration with its window", () => {
    const set = mapLiteLLM(
      litellm({
        budgets: [
          {
            budget_id: 'b1',
            max_budget: 9,
            soft_budget: 3,
            tpm_limit: '700',
            budget_duration: '1d',
            budget_reset_at: new Date('2026-03-16T00:00:00Z'),
          },
        ],
        keys: [
          { token: 'own', max_budget: 1, budget_duration: '7d', budget_id: 'b1' },
          { token: 'linked', budget_id: 'b1' },
        ],
        endUsers: [{ user_id: 'c1', budget_id: 'b1' }, { user_id: 'c2' }],
      }),
      AT,
    );
    const [own, linked] = set.keys;
    assert.deepEqual(
      [
        own?.max_budget,
        own?.budget_duration,
        own?.budget_reset_at,
        own?.soft_budget,
        own?.tpm_limit,
      ],
      [1, '7d', null, 3, 700],
    );
    assert.deepEqual(
      [linked?.max_budget, linked?.budget_duration, linked?.budget_reset_at],
      [9, '1d', '2026-03-16T00:00:00.000Z'],
    );
    assert.deepEqual(
      set.customers.map((c) => [c.user_id, c.max_budget, c.budget_duration, c.tpm_limit]),
      [
        ['c1', 9, '1d', 700],
        ['c2', null, null, null],
      ],
    );
  });

  it('gathers members from members_with_roles (by id or email) and TeamMembership, skipping unknown users', () => {
    const set = mapLiteLLM(
      litellm({
        users: [
          { user_id: 'a', user_email: 'a@x.io', user_role: 'admin' },
          { user_id: 'b', user_email: 'B@x.io', user_role: null },
          { user_id: 'dup', user_email: 'a@X.io' },
        ],
        teams: [
          {
            team_id: 't',
            admins: ['b'],
            members_with_roles: [
              { role: 'user', user_id: 'a' },
              { role: 'admin', user_email: 'a@x.io' },
              { role: 'user', user_email: 'nobody@x.io' },
            ],
          },
        ],
        memberships: [
          { user_id: 'b', team_id: 't', spend: 2, budget_id: 'bm' },
          { user_id: 'ghost', team_id: 't' },
        ],
        budgets: [{ budget_id: 'bm', max_budget: 4, rpm_limit: 5 }],
      }),
      AT,
    );
    assert.deepEqual(
      set.users.map((u) => [u.user_id, u.user_role, u.user_email]),
      [
        ['a', 'proxy_admin', 'a@x.io'],
        ['b', 'internal_user', 'B@x.io'],
        ['dup', 'internal_user', null],
      ],
    );
    assert.deepEqual(
      set.members.map((m) => [m.user_id, m.role, m.spend, m.max_budget_in_team, m.rpm_limit]),
      [
        ['a', 'admin', 0, null, null],
        ['b', 'admin', 2, 4, 5],
      ],
    );
    assert.deepEqual(set.warnings, [
      "user dup: email a@X.io is another user's; imported without it",
      'member of team t: skipped, no user for {"role":"user","user_email":"nobody@x.io"}',
      'member t/ghost: skipped, user ghost is not in LiteLLM',
    ]);
  });

  it('reads a spend log of an older LiteLLM: no status, no end user, empty strings', () => {
    const log = toSpendLog(
      spendLogRow.parse({
        request_id: 'r',
        call_type: 'completion',
        startTime: new Date('2026-03-01T10:00:00Z'),
        endTime: new Date('2026-03-01T10:00:01.5Z'),
        model_id: '',
        cache_hit: '',
        request_tags: ['a', 1],
      }),
    );
    assert.equal(log.status, 'success');
    assert.equal(log.end_user, '');
    assert.equal(log.model_id, null);
    assert.equal(log.cache_hit, 'False');
    assert.equal(log.request_duration_ms, 1500);
    assert.equal(log.request_tags, '["a"]');
  });
});

describe('planImport', () => {
  it('leaves out emails and aliases Tollgate gives to others, and updates only what changed', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      const data = litellm({
        users: [
          { user_id: 'u1', user_email: 'taken@x.io', spend: 1 },
          { user_id: 'u2', user_email: 'u2@x.io', spend: 2 },
        ],
        teams: [{ team_id: 't', members_with_roles: [{ role: 'user', user_id: 'u2' }] }],
        memberships: [{ user_id: 'u2', team_id: 't', spend: 0.5 }],
        keys: [{ token: 'h1', key_alias: 'taken-alias', user_id: 'u2', spend: 3 }],
      });
      const first = await planImport(database.db, mapLiteLLM(data, AT));
      assert.ok(first.steps.every((s) => s.action === 'create'));
      await first.apply();

      // Another Tollgate user and key now hold what LiteLLM's u1 and h1 would take.
      const repos = createStore({ ...database, close: async () => undefined });
      await repos.users.update('u1', { user_email: null });
      await repos.users.create({
        ...(await repos.users.findById('u2'))!,
        user_id: 'other',
        user_email: 'TAKEN@x.io',
      });
      await repos.keys.update('h1', { key_alias: null });
      await repos.keys.create({
        ...(await repos.keys.findByHash('h1'))!,
        token: 'h-other',
        key_alias: 'taken-alias',
      });

      data.users[1]!.spend = 2.5;
      data.memberships[0]!.spend = 0.75;
      const second = await planImport(database.db, mapLiteLLM(data, AT));
      assert.deepEqual(
        second.steps.filter((s) => s.action !== 'unchanged'),
        [
          {
            kind: 'user',
            target: 'u2 (u2@x.io)',
            action: 'update',
            changes: [{ field: 'spend', from: 2, to: 2.5 }],
          },
          {
            kind: 'member',
            target: 'u2 in t',
            action: 'update',
            changes: [{ field: 'spend', from: 0.5, to: 0.75 }],
          },
        ],
      );
      assert.deepEqual(second.warnings, [
        'user u1: email taken@x.io belongs to user other in Tollgate; imported without it',
        'key h1…: alias taken-alias belongs to another key in Tollgate; imported without it',
      ]);
      await second.apply();
      assert.equal((await repos.users.findById('u2'))?.spend, 2.5);
      assert.equal((await repos.teams.findMember('t', 'u2'))?.spend, 0.75);
      const third = await planImport(database.db, mapLiteLLM(data, AT));
      assert.ok(third.steps.every((s) => s.action === 'unchanged'));
    } finally {
      await database.close();
    }
  });
});
