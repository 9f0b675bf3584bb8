/**
 * The import's mapping and plan over an in-memory store: budgets resolved from LiteLLM's budget
 * table, memberships gathered from both places, organizations with their budget rows and members,
 * tags with their budget rows, what clashes with Tollgate's unique emails and aliases, and updates
 * that touch only what changed.
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
  organizationMembershipRow,
  organizationRow,
  spendLogRow,
  tagRow,
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
  organizations?: object[];
  organizationMemberships?: object[];
  tags?: object[];
}): LiteLLMData {
  const budgets = (rows.budgets ?? []).map((b) => budgetRow.parse(b));
  return {
    users: (rows.users ?? []).map((u) => userRow.parse(u)),
    teams: (rows.teams ?? []).map((t) => teamRow.parse(t)),
    memberships: (rows.memberships ?? []).map((m) => membershipRow.parse(m)),
    keys: (rows.keys ?? []).map((k) => keyRow.parse(k)),
    endUsers: (rows.endUsers ?? []).map((e) => endUserRow.parse(e)),
    organizations: (rows.organizations ?? []).map((o) => organizationRow.parse(o)),
    organizationMemberships: (rows.organizationMemberships ?? []).map((m) =>
      organizationMembershipRow.parse(m),
    ),
    tags: (rows.tags ?? []).map((t) => tagRow.parse(t)),
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

  it('copies organizations with their budget rows and members; dangling references are warned and dropped', () => {
    const set = mapLiteLLM(
      litellm({
        budgets: [
          {
            budget_id: 'b-org',
            max_budget: 100,
            rpm_limit: '10',
            budget_duration: '30d',
            budget_reset_at: new Date('2026-04-01T00:00:00Z'),
            model_max_budget: { 'gpt-4o': { budget_limit: 5, time_period: '1d' } },
            created_at: new Date('2025-06-01T00:00:00Z'),
            created_by: 'admin',
            updated_by: 'admin',
          },
          { budget_id: 'b-member', max_budget: 5 },
          { budget_id: 'b-unused', max_budget: 1 },
        ],
        users: [{ user_id: 'a' }, { user_id: 'b' }, { user_id: 'c' }],
        organizations: [
          {
            organization_id: 'o1',
            organization_alias: 'Acme',
            budget_id: 'b-org',
            models: ['gpt-4o', null],
            metadata: { tier: 'gold' },
            spend: 12.5,
            created_at: new Date('2025-06-01T00:00:00Z'),
            created_by: 'admin',
            updated_at: new Date('2025-06-02T00:00:00Z'),
            updated_by: 'a',
          },
          { organization_id: 'o2', organization_alias: null, budget_id: 'b-gone' },
        ],
        organizationMemberships: [
          {
            user_id: 'a',
            organization_id: 'o1',
            user_role: 'org_admin',
            spend: 1,
            budget_id: 'b-member',
          },
          { user_id: 'b', organization_id: 'o1', user_role: 'proxy_admin' },
          { user_id: 'c', organization_id: 'o1', user_role: 'internal_user_viewer' },
          { user_id: 'a', organization_id: 'o2', user_role: null, budget_id: 'b-org' },
          { user_id: 'ghost', organization_id: 'o1', user_role: 'org_admin' },
          { user_id: 'a', organization_id: 'o-gone', user_role: 'org_admin' },
        ],
        teams: [
          { team_id: 't1', organization_id: 'o1' },
          { team_id: 't2', organization_id: 'o-gone' },
          { team_id: 't3' },
        ],
        keys: [
          { token: 'k-org', organization_id: 'o1' },
          { token: 'k-team', team_id: 't1', organization_id: 'o2' },
          { token: 'k-gone', organization_id: 'o-gone' },
        ],
      }),
      AT,
    );
    // A key outside any team keeps its organization; a team's key follows its team's.
    assert.deepEqual(
      set.keys.map((k) => [k.token, k.organization_id]),
      [
        ['k-org', 'o1'],
        ['k-team', null],
        ['k-gone', null],
      ],
    );
    assert.deepEqual(set.organizations, [
      {
        organization_id: 'o1',
        organization_alias: 'Acme',
        budget_id: 'b-org',
        models: ['gpt-4o'],
        metadata: { tier: 'gold' },
        spend: 12.5,
        // The window of the organization's spend is its budget row's.
        budget_reset_at: '2026-04-01T00:00:00.000Z',
        created_at: '2025-06-01T00:00:00.000Z',
        created_by: 'admin',
        updated_at: '2025-06-02T00:00:00.000Z',
        updated_by: 'a',
      },
      {
        organization_id: 'o2',
        organization_alias: 'o2',
        budget_id: null,
        models: [],
        metadata: {},
        spend: 0,
        budget_reset_at: null,
        created_at: AT,
        created_by: 'default_user_id',
        updated_at: AT,
        updated_by: 'default_user_id',
      },
    ]);
    assert.deepEqual(set.budgets, [
      {
        budget_id: 'b-org',
        max_budget: 100,
        soft_budget: null,
        max_parallel_requests: null,
        tpm_limit: null,
        rpm_limit: 10,
        model_max_budget: { 'gpt-4o': { budget_limit: 5, time_period: '1d' } },
        budget_duration: '30d',
        budget_reset_at: '2026-04-01T00:00:00.000Z',
        created_at: '2025-06-01T00:00:00.000Z',
        created_by: 'admin',
        updated_at: '2025-06-01T00:00:00.000Z',
        updated_by: 'admin',
      },
      {
        budget_id: 'b-member',
        max_budget: 5,
        soft_budget: null,
        max_parallel_requests: null,
        tpm_limit: null,
        rpm_limit: null,
        model_max_budget: {},
        budget_duration: null,
        budget_reset_at: null,
        created_at: AT,
        created_by: 'default_user_id',
        updated_at: AT,
        updated_by: 'default_user_id',
      },
    ]);
    assert.deepEqual(
      set.organizationMembers.map((m) => [
        m.organization_id,
        m.user_id,
        m.user_role,
        m.spend,
        m.budget_id,
      ]),
      [
        ['o1', 'a', 'org_admin', 1, 'b-member'],
        // A role organizations do not have becomes internal_user, as a missing one does.
        ['o1', 'b', 'internal_user', 0, null],
        ['o1', 'c', 'internal_user_viewer', 0, null],
        ['o2', 'a', 'internal_user', 0, 'b-org'],
      ],
    );
    assert.deepEqual(
      set.teams.map((t) => [t.team_id, t.organization_id]),
      [
        ['t1', 'o1'],
        ['t2', null],
        ['t3', null],
      ],
    );
    assert.deepEqual(set.warnings, [
      'organization o2: budget b-gone is not in LiteLLM; imported without it',
      'organization member o1/ghost: skipped, user ghost is not in LiteLLM',
      'organization member o-gone/a: skipped, organization o-gone is not in LiteLLM',
      'key k-gone…: organization o-gone is not in LiteLLM; imported without it',
      'team t2: organization o-gone is not in LiteLLM; imported without it',
      "key k-team…: organization o2 is not its team t1's; the team's organization applies",
    ]);
  });

  it('copies tags with their budget rows, a row shared with an organization once; a missing one is warned and dropped', () => {
    const set = mapLiteLLM(
      litellm({
        budgets: [
          {
            budget_id: 'b-shared',
            max_budget: 100,
            budget_duration: '30d',
            budget_reset_at: new Date('2026-04-01T00:00:00Z'),
            created_by: 'admin',
            updated_by: 'admin',
          },
          { budget_id: 'b-tag', max_budget: 5, rpm_limit: '10' },
        ],
        organizations: [{ organization_id: 'o1', budget_id: 'b-shared' }],
        tags: [
          {
            tag_name: 'prod',
            description: 'Production traffic',
            models: ['gpt-4o', null],
            spend: 12.5,
            budget_id: 'b-shared',
            created_at: new Date('2025-06-01T00:00:00Z'),
            created_by: 'admin',
            updated_at: new Date('2025-06-02T00:00:00Z'),
          },
          { tag_name: 'capped', budget_id: 'b-tag', spend: 1 },
          { tag_name: 'label' },
          { tag_name: 'orphan', budget_id: 'b-gone' },
        ],
      }),
      AT,
    );
    assert.deepEqual(set.tags, [
      {
        tag_name: 'prod',
        description: 'Production traffic',
        budget_id: 'b-shared',
        models: ['gpt-4o'],
        spend: 12.5,
        // The window of the tag's spend is its budget row's.
        budget_reset_at: '2026-04-01T00:00:00.000Z',
        created_at: '2025-06-01T00:00:00.000Z',
        created_by: 'admin',
        updated_at: '2025-06-02T00:00:00.000Z',
        // LiteLLM records no updater of a tag: its creator stands in.
        updated_by: 'admin',
      },
      {
        tag_name: 'capped',
        description: null,
        budget_id: 'b-tag',
        models: [],
        spend: 1,
        budget_reset_at: null,
        created_at: AT,
        created_by: 'default_user_id',
        updated_at: AT,
        updated_by: 'default_user_id',
      },
      {
        tag_name: 'label',
        description: null,
        budget_id: null,
        models: [],
        spend: 0,
        budget_reset_at: null,
        created_at: AT,
        created_by: 'default_user_id',
        updated_at: AT,
        updated_by: 'default_user_id',
      },
      {
        tag_name: 'orphan',
        description: null,
        budget_id: null,
        models: [],
        spend: 0,
        budget_reset_at: null,
        created_at: AT,
        created_by: 'default_user_id',
        updated_at: AT,
        updated_by: 'default_user_id',
      },
    ]);
    assert.deepEqual(
      set.budgets.map((b) => [b.budget_id, b.max_budget, b.rpm_limit]),
      [
        ['b-shared', 100, null],
        ['b-tag', 5, 10],
      ],
    );
    assert.deepEqual(set.warnings, [
      'tag orphan: budget b-gone is not in LiteLLM; imported without it',
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

  it('creates organizations, their budget rows and members, and updates only what changed', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      const data = litellm({
        budgets: [
          {
            budget_id: 'b-org',
            max_budget: 50,
            budget_duration: '30d',
            budget_reset_at: new Date('2026-04-01T00:00:00Z'),
            created_by: 'admin',
            updated_by: 'admin',
          },
          { budget_id: 'b-member', max_budget: 5, created_by: 'admin', updated_by: 'admin' },
        ],
        users: [{ user_id: 'u1' }, { user_id: 'u2' }],
        organizations: [
          {
            organization_id: 'org',
            organization_alias: 'Org',
            budget_id: 'b-org',
            models: ['gpt-4o'],
            spend: 3,
            created_by: 'admin',
            updated_by: 'admin',
          },
        ],
        organizationMemberships: [
          { user_id: 'u1', organization_id: 'org', user_role: 'org_admin', budget_id: 'b-member' },
          { user_id: 'u2', organization_id: 'org', user_role: 'internal_user', spend: 0.5 },
        ],
        teams: [{ team_id: 't', organization_id: 'org' }],
      });
      const first = await planImport(database.db, mapLiteLLM(data, AT));
      assert.deepEqual(
        first.steps.map((s) => [s.kind, s.target, s.action]),
        [
          ['user', 'u1', 'create'],
          ['user', 'u2', 'create'],
          ['budget', 'b-org', 'create'],
          ['budget', 'b-member', 'create'],
          ['organization', 'org (Org)', 'create'],
          ['organization_member', 'u1 in org', 'create'],
          ['organization_member', 'u2 in org', 'create'],
          ['team', 't', 'create'],
        ],
      );
      await first.apply();

      const store = createStore({ ...database, close: async () => undefined });
      const organization = await store.organizations.findById('org');
      assert.equal(organization?.budget_id, 'b-org');
      assert.equal(organization?.spend, 3);
      assert.equal(organization?.budget_reset_at, '2026-04-01T00:00:00.000Z');
      assert.deepEqual(organization?.models, ['gpt-4o']);
      const budget = await store.budgets.findById('b-org');
      assert.deepEqual(
        [budget?.max_budget, budget?.budget_duration, budget?.budget_reset_at],
        [50, '30d', '2026-04-01T00:00:00.000Z'],
      );
      assert.deepEqual(await store.organizations.teamIdsOf(['org']), ['t']);
      assert.deepEqual(
        (await store.organizations.membersOf(['org'])).map((m) => [
          m.user_id,
          m.user_role,
          m.spend,
          m.budget_id,
        ]),
        [
          ['u1', 'org_admin', 0, 'b-member'],
          ['u2', 'internal_user', 0.5, null],
        ],
      );

      data.organizations[0]!.spend = 4.5;
      data.budgets.get('b-org')!.max_budget = 80;
      data.organizationMemberships[1]!.user_role = 'internal_user_viewer';
      data.organizationMemberships[1]!.spend = 0.75;
      const second = await planImport(database.db, mapLiteLLM(data, AT));
      assert.deepEqual(
        second.steps.filter((s) => s.action !== 'unchanged'),
        [
          {
            kind: 'budget',
            target: 'b-org',
            action: 'update',
            changes: [{ field: 'max_budget', from: 50, to: 80 }],
          },
          {
            kind: 'organization',
            target: 'org (Org)',
            action: 'update',
            changes: [{ field: 'spend', from: 3, to: 4.5 }],
          },
          {
            kind: 'organization_member',
            target: 'u2 in org',
            action: 'update',
            changes: [
              { field: 'user_role', from: 'internal_user', to: 'internal_user_viewer' },
              { field: 'spend', from: 0.5, to: 0.75 },
            ],
          },
        ],
      );
      await second.apply();
      assert.equal((await store.organizations.findById('org'))?.spend, 4.5);
      assert.equal((await store.budgets.findById('b-org'))?.max_budget, 80);
      const member = await store.organizations.findMember('org', 'u2');
      assert.deepEqual([member?.user_role, member?.spend], ['internal_user_viewer', 0.75]);
      const third = await planImport(database.db, mapLiteLLM(data, AT));
      assert.ok(third.steps.every((s) => s.action === 'unchanged'));
    } finally {
      await database.close();
    }
  });

  it('creates tags and their budget rows, and updates only what changed', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      const data = litellm({
        budgets: [
          {
            budget_id: 'b-prod',
            max_budget: 50,
            budget_duration: '30d',
            budget_reset_at: new Date('2026-04-01T00:00:00Z'),
            created_by: 'admin',
            updated_by: 'admin',
          },
        ],
        tags: [
          {
            tag_name: 'prod',
            description: 'Production',
            models: ['gpt-4o'],
            spend: 3,
            budget_id: 'b-prod',
            created_by: 'admin',
          },
          { tag_name: 'batch', spend: 0.5 },
        ],
      });
      const first = await planImport(database.db, mapLiteLLM(data, AT));
      assert.deepEqual(
        first.steps.map((s) => [s.kind, s.target, s.action]),
        [
          ['budget', 'b-prod', 'create'],
          ['tag', 'prod', 'create'],
          ['tag', 'batch', 'create'],
        ],
      );
      // Planning writes nothing (a dry run stops there): the tags come with apply().
      const store = createStore({ ...database, close: async () => undefined });
      assert.deepEqual(await store.tags.list(), []);
      await first.apply();

      const loaded = await store.tags.loadAll();
      assert.deepEqual(
        loaded
          .map((t) => [
            t.tag_name,
            t.description,
            t.models,
            t.spend,
            t.budget_reset_at,
            t.budget?.max_budget,
            t.budget?.budget_duration,
          ])
          .sort(),
        [
          ['batch', null, [], 0.5, null, undefined, undefined],
          ['prod', 'Production', ['gpt-4o'], 3, '2026-04-01T00:00:00.000Z', 50, '30d'],
        ],
      );

      data.tags[0]!.spend = 4.5;
      data.tags[1]!.description = 'Batch jobs';
      data.budgets.get('b-prod')!.max_budget = 80;
      const second = await planImport(database.db, mapLiteLLM(data, AT));
      assert.deepEqual(
        second.steps.filter((s) => s.action !== 'unchanged'),
        [
          {
            kind: 'budget',
            target: 'b-prod',
            action: 'update',
            changes: [{ field: 'max_budget', from: 50, to: 80 }],
          },
          {
            kind: 'tag',
            target: 'prod',
            action: 'update',
            changes: [{ field: 'spend', from: 3, to: 4.5 }],
          },
          {
            kind: 'tag',
            target: 'batch',
            action: 'update',
            changes: [{ field: 'description', from: null, to: 'Batch jobs' }],
          },
        ],
      );
      await second.apply();
      assert.equal((await store.tags.findByName('prod'))?.spend, 4.5);
      assert.equal((await store.tags.findByName('batch'))?.description, 'Batch jobs');
      assert.equal((await store.budgets.findById('b-prod'))?.max_budget, 80);
      const third = await planImport(database.db, mapLiteLLM(data, AT));
      assert.ok(third.steps.every((s) => s.action === 'unchanged'));
    } finally {
      await database.close();
    }
  });
});
