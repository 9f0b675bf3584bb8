/**
 * The repositories on every database: records round-trip exactly (JSON, booleans, BIGINT
 * limits), duplicates are reported by column, key pages are filtered, counted and fast.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrationStatus } from '../src/store/migrate.js';
import { openDatabase } from '../src/store/open-database.js';
import { createStore } from '../src/store/store.js';
import { UniqueViolation } from '../src/store/unique-violation.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';

const LATEST = [
  '0001-initial',
  '0002-key-listing-indexes',
  '0003-models',
  '0004-spend',
  '0005-sessions-invitations',
  '0006-team-list-order',
  '0007-key-model-spend',
  '0008-team-member-windows',
  '0009-budgets',
  '0010-key-budgets',
  '0011-customer-limits',
  '0012-organizations',
  '0013-key-organizations',
  '0014-spend-log-partial-indexes',
  '0015-tags',
  '0016-spend-batches',
  '0017-spend-log-payloads',
  '0018-route-budget-spend',
  '0019-daily-tag-dimensions',
];

for (const database of await testDatabases()) {
  describe(`store on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    before(async () => {
      opened = await database.open();
    });
    after(async () => {
      await opened?.close();
    });

    describe('migrations', () => {
      it('are applied when a new database is opened, and not again on reopening', async () => {
        assert.deepEqual(opened.store.applied, LATEST);
        const again = await openDatabase(opened.url, { schema: opened.schema });
        try {
          assert.deepEqual(again.applied, []);
          const status = await migrationStatus(again.db, again.schema);
          assert.deepEqual(
            status.map((m) => m.name),
            LATEST,
          );
          assert.ok(status.every((m) => m.appliedAt instanceof Date));
        } finally {
          await again.close();
        }
      });

      it('keep the rows that were there before an upgrade', async () => {
        await opened.store.keys.create(keyRecord({ token: sha256('sk-survivor') }));
        const again = createStore(await openDatabase(opened.url, { schema: opened.schema }));
        try {
          assert.ok(await again.keys.findByHash(sha256('sk-survivor')));
        } finally {
          await again.close();
        }
      });
    });

    describe('keys', () => {
      it('round-trip every column, decoded', async () => {
        const key = keyRecord({
          token: sha256('sk-roundtrip'),
          key_name: 'sk-...trip',
          key_alias: 'roundtrip',
          user_id: 'u-1',
          team_id: 't-1',
          models: ['gpt-4o-mini', 'openai/*'],
          aliases: { 'my-gpt': 'gpt-4o-mini' },
          config: { temperature: 0.2 },
          permissions: { pii_masking: true },
          metadata: { team: 'core', nested: { a: [1, 2] } },
          tags: ['prod'],
          allowed_routes: ['llm_api_routes'],
          model_max_budget: { 'gpt-4o': { budget_limit: 1, time_period: '1d' } },
          spend: 1.25,
          max_budget: 10.5,
          soft_budget: 8,
          budget_duration: '30d',
          budget_reset_at: '2025-02-01T00:00:00.000Z',
          expires: '2030-01-01T00:00:00.000Z',
          tpm_limit: 9_000_000_000,
          rpm_limit: 100,
          max_parallel_requests: 3,
          blocked: true,
          key_type: 'llm_api',
          created_by: 'admin',
          updated_by: 'admin',
        });
        await opened.store.keys.create(key);
        const found = await opened.store.keys.findByHash(key.token);
        assert.deepEqual(found, key);
        assert.equal(typeof found?.tpm_limit, 'number');
        assert.equal(found?.blocked, true);
        assert.deepEqual(await opened.store.keys.findByAlias('roundtrip'), key);
        assert.equal(await opened.store.keys.findByHash(sha256('sk-nope')), undefined);
      });

      it('report a duplicate alias or hash by column', async () => {
        const first = keyRecord({ key_alias: 'dup-alias' });
        await opened.store.keys.create(first);
        await assert.rejects(
          opened.store.keys.create(keyRecord({ key_alias: 'dup-alias' })),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'key_alias',
        );
        await assert.rejects(
          opened.store.keys.create(keyRecord({ token: first.token })),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'token',
        );
      });

      it('update only what the patch names, and report an unknown hash as undefined', async () => {
        const key = keyRecord({ models: ['a'], metadata: { x: 1 }, max_budget: 5 });
        await opened.store.keys.create(key);
        const updated = await opened.store.keys.update(key.token, {
          models: ['a', 'b'],
          max_budget: null,
          blocked: true,
          tpm_limit: 1000,
        });
        assert.deepEqual(updated, {
          ...key,
          models: ['a', 'b'],
          max_budget: null,
          blocked: true,
          tpm_limit: 1000,
        });
        assert.deepEqual(await opened.store.keys.update(key.token, {}), updated);
        assert.equal(await opened.store.keys.update(sha256('sk-missing'), { spend: 1 }), undefined);
        await opened.store.keys.create(keyRecord({ key_alias: 'taken' }));
        await assert.rejects(
          opened.store.keys.update(key.token, { key_alias: 'taken' }),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'key_alias',
        );
      });

      it('find several at once by hash or alias', async () => {
        const a = keyRecord({ key_alias: 'many-a' });
        const b = keyRecord({ key_alias: 'many-b' });
        await opened.store.keys.create(a);
        await opened.store.keys.create(b);
        const byHash = await opened.store.keys.findByHashes([a.token, b.token, sha256('x')]);
        assert.deepEqual(byHash.map((k) => k.key_alias).sort(), ['many-a', 'many-b']);
        const byAlias = await opened.store.keys.findByAliases(['many-b', 'nope']);
        assert.deepEqual(
          byAlias.map((k) => k.token),
          [b.token],
        );
        assert.deepEqual(await opened.store.keys.findByHashes([]), []);
      });

      it('delete keys and report how many went', async () => {
        const a = keyRecord();
        const b = keyRecord();
        await opened.store.keys.create(a);
        await opened.store.keys.create(b);
        assert.equal(await opened.store.keys.delete([a.token, b.token, sha256('x')]), 2);
        assert.equal(await opened.store.keys.findByHash(a.token), undefined);
        assert.equal(await opened.store.keys.delete([]), 0);
      });

      it('rotate to a new hash with the same settings and spend; the old hash is gone', async () => {
        const key = keyRecord({ key_alias: 'rotating', spend: 3.5, models: ['m'] });
        await opened.store.keys.create(key);
        const rotated = await opened.store.keys.rotate(key.token, {
          token: sha256('sk-new-secret'),
          key_name: 'sk-...cret',
          updated_at: '2025-06-01T00:00:00.000Z',
          patch: { max_budget: 7 },
        });
        assert.deepEqual(rotated, {
          ...key,
          token: sha256('sk-new-secret'),
          key_name: 'sk-...cret',
          updated_at: '2025-06-01T00:00:00.000Z',
          max_budget: 7,
        });
        assert.equal(await opened.store.keys.findByHash(key.token), undefined);
        const now = '2025-06-01T00:00:00.000Z';
        assert.equal(await opened.store.keys.findDeprecated(key.token, now), undefined);
        assert.equal(
          await opened.store.keys.rotate(sha256('sk-unknown'), {
            token: sha256('sk-other'),
            key_name: null,
            updated_at: now,
          }),
          undefined,
        );
      });

      it('keep old secrets working until the end of their grace period, following later rotations', async () => {
        const key = keyRecord();
        await opened.store.keys.create(key);
        const second = sha256('sk-second');
        const third = sha256('sk-third');
        await opened.store.keys.rotate(key.token, {
          token: second,
          key_name: null,
          updated_at: '2025-01-01T00:00:00.000Z',
          graceUntil: '2025-01-01T01:00:00.000Z',
        });
        assert.deepEqual(
          await opened.store.keys.findDeprecated(key.token, '2025-01-01T00:30:00.000Z'),
          {
            activeToken: second,
            revokeAt: '2025-01-01T01:00:00.000Z',
          },
        );
        assert.equal(
          await opened.store.keys.findDeprecated(key.token, '2025-01-01T01:00:00.000Z'),
          undefined,
          'not at or after revoke_at',
        );
        await opened.store.keys.rotate(second, {
          token: third,
          key_name: null,
          updated_at: '2025-01-01T00:10:00.000Z',
          graceUntil: '2025-01-01T00:20:00.000Z',
        });
        const at = '2025-01-01T00:15:00.000Z';
        assert.equal((await opened.store.keys.findDeprecated(key.token, at))?.activeToken, third);
        assert.equal((await opened.store.keys.findDeprecated(second, at))?.activeToken, third);
        await opened.store.keys.delete([third]);
        assert.equal(await opened.store.keys.findDeprecated(key.token, at), undefined);
        assert.equal(await opened.store.keys.findDeprecated(second, at), undefined);
      });
    });

    describe('key pages', () => {
      let store: OpenedTestStore;
      before(async () => {
        store = await database.open();
        for (let i = 0; i < 25; i++) {
          await store.store.keys.create(
            keyRecord({
              token: sha256(`sk-page-${i}`),
              key_alias: `page-${i}`,
              user_id: i % 2 === 0 ? 'even' : 'odd',
              team_id: i % 5 === 0 ? 'five' : null,
              created_at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
            }),
          );
        }
      });
      after(async () => {
        await store?.close();
      });

      it('come newest first, sized and counted', async () => {
        const first = await store.store.keys.list({ page: 1, size: 10 });
        assert.equal(first.total, 25);
        assert.deepEqual(
          first.keys.map((k) => k.key_alias),
          Array.from({ length: 10 }, (_, i) => `page-${24 - i}`),
        );
        const last = await store.store.keys.list({ page: 3, size: 10 });
        assert.deepEqual(
          last.keys.map((k) => k.key_alias),
          ['page-4', 'page-3', 'page-2', 'page-1', 'page-0'],
        );
        const beyond = await store.store.keys.list({ page: 4, size: 10 });
        assert.deepEqual(beyond, { keys: [], total: 25 });
        const oldest = await store.store.keys.list({ page: 1, size: 2, order: 'asc' });
        assert.deepEqual(
          oldest.keys.map((k) => k.key_alias),
          ['page-0', 'page-1'],
        );
      });

      it('filter by user, team, alias and hash, and count only the matches', async () => {
        const even = await store.store.keys.list({ page: 1, size: 100, userId: 'even' });
        assert.equal(even.total, 13);
        assert.ok(even.keys.every((k) => k.user_id === 'even'));
        const team = await store.store.keys.list({ page: 1, size: 2, teamId: 'five' });
        assert.equal(team.total, 5);
        assert.deepEqual(
          team.keys.map((k) => k.key_alias),
          ['page-20', 'page-15'],
        );
        const both = await store.store.keys.list({
          page: 1,
          size: 10,
          userId: 'odd',
          teamId: 'five',
        });
        assert.deepEqual(
          both.keys.map((k) => k.key_alias),
          ['page-15', 'page-5'],
        );
        const alias = await store.store.keys.list({ page: 1, size: 10, keyAlias: 'page-7' });
        assert.deepEqual(
          alias.keys.map((k) => k.token),
          [sha256('sk-page-7')],
        );
        const hash = await store.store.keys.list({ page: 1, size: 10, token: sha256('sk-page-8') });
        assert.equal(hash.total, 1);
      });
    });

    describe('users', () => {
      it('round-trip and are found by id or by email, whatever its case', async () => {
        const user = userRecord({
          user_id: 'alice',
          user_email: 'Alice@Example.com',
          user_role: 'proxy_admin_viewer',
          models: ['gpt-4o-mini'],
          metadata: { dept: 'ml' },
          max_budget: 20,
          tpm_limit: 5000,
        });
        await opened.store.users.create(user);
        assert.deepEqual(await opened.store.users.findById('alice'), user);
        assert.deepEqual(await opened.store.users.findByEmail('alice@example.COM'), user);
        assert.equal(await opened.store.users.findById('nobody'), undefined);
      });

      it('refuse a second user with the same id or the same email in another case', async () => {
        await opened.store.users.create(userRecord({ user_id: 'bob', user_email: 'bob@x.io' }));
        await assert.rejects(
          opened.store.users.create(userRecord({ user_id: 'bob' })),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'user_id',
        );
        await assert.rejects(
          opened.store.users.create(userRecord({ user_id: 'bob2', user_email: 'BOB@x.io' })),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'user_email_lower',
        );
      });
    });

    describe('teams and members', () => {
      it('round-trip, update and block', async () => {
        const team = teamRecord({
          team_id: 'core',
          team_alias: 'Core',
          models: ['all-proxy-models'],
          model_aliases: { fast: 'gpt-4o-mini' },
          rpm_limit: 60,
        });
        await opened.store.teams.create(team);
        assert.deepEqual(await opened.store.teams.findById('core'), team);
        const blocked = await opened.store.teams.update('core', { blocked: true });
        assert.equal(blocked?.blocked, true);
        assert.equal(await opened.store.teams.update('none', { blocked: true }), undefined);
        await assert.rejects(
          opened.store.teams.create(teamRecord({ team_id: 'core' })),
          (e: unknown) => e instanceof UniqueViolation && e.column === 'team_id',
        );
      });

      it('know their members and each member its teams', async () => {
        await opened.store.teams.create(teamRecord({ team_id: 'red' }));
        await opened.store.teams.create(teamRecord({ team_id: 'blue' }));
        await opened.store.users.create(userRecord({ user_id: 'carol' }));
        await opened.store.users.create(userRecord({ user_id: 'dave' }));
        const carolRed = memberRecord({
          team_id: 'red',
          user_id: 'carol',
          role: 'admin',
          max_budget_in_team: 5,
        });
        await opened.store.teams.addMember(carolRed);
        await opened.store.teams.addMember(memberRecord({ team_id: 'blue', user_id: 'carol' }));
        await opened.store.teams.addMember(memberRecord({ team_id: 'red', user_id: 'dave' }));
        assert.deepEqual(await opened.store.teams.findMember('red', 'carol'), carolRed);
        assert.equal(await opened.store.teams.findMember('blue', 'dave'), undefined);
        assert.deepEqual(
          (await opened.store.teams.membersOf('red')).map((m) => m.user_id),
          ['carol', 'dave'],
        );
        assert.deepEqual(await opened.store.teams.teamIdsOf('carol'), ['blue', 'red']);
        await assert.rejects(
          opened.store.teams.addMember(memberRecord({ team_id: 'red', user_id: 'dave' })),
          UniqueViolation,
        );
      });
    });

    it('answers a ping while open, and not after closing', async () => {
      const own = await database.open();
      assert.equal(await own.store.ping(), true);
      await own.store.close();
      assert.equal(await own.store.ping(), false);
      await own.close().catch(() => undefined);
    });
  });
}
