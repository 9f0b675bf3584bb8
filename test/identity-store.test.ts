/**
 * The repository methods behind the users, teams and customers APIs, on every database: user
 * pages with filters and sorting, deletes that take keys and memberships along in one go,
 * membership changes, and customers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newCustomer } from '../src/store/customer-repository.js';
import { UniqueViolation } from '../src/store/unique-violation.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';

const AT = '2025-06-01T00:00:00.000Z';

for (const database of await testDatabases()) {
  describe(`identity store on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    before(async () => {
      opened = await database.open();
    });
    after(async () => {
      await opened?.close();
    });

    describe('users', () => {
      it('are listed a page at a time with their key counts, filtered and sorted', async () => {
        const { users, keys, teams } = opened.store;
        for (const [i, [id, email, role]] of [
          ['u-anna', 'Anna@Example.com', 'internal_user'],
          ['u-ben', 'ben@example.com', 'proxy_admin'],
          ['u-cleo', 'cleo_x@other.org', 'internal_user'],
          ['u-dan', null, 'internal_user_viewer'],
        ].entries()) {
          await users.create(
            userRecord({
              user_id: id ?? '',
              user_email: email,
              user_role: role ?? '',
              spend: i,
              created_at: `2025-01-0${i + 1}T00:00:00.000Z`,
            }),
          );
        }
        await keys.create(keyRecord({ token: sha256('sk-anna-1'), user_id: 'u-anna' }));
        await keys.create(keyRecord({ token: sha256('sk-anna-2'), user_id: 'u-anna' }));
        await teams.create(teamRecord({ team_id: 'list-team' }));
        await teams.addMember(memberRecord({ team_id: 'list-team', user_id: 'u-cleo' }));

        const base = { page: 1, size: 10, sortBy: 'created_at', order: 'desc' } as const;
        const all = await users.list(base);
        assert.equal(all.total, 4);
        assert.deepEqual(
          all.users.map((u) => u.user_id),
          ['u-dan', 'u-cleo', 'u-ben', 'u-anna'],
        );
        assert.equal(all.users.find((u) => u.user_id === 'u-anna')?.key_count, 2);
        assert.equal(all.users.find((u) => u.user_id === 'u-ben')?.key_count, 0);

        const page = await users.list({ ...base, size: 3, page: 2 });
        assert.deepEqual(
          page.users.map((u) => u.user_id),
          ['u-anna'],
        );
        assert.equal(page.total, 4);

        const byRole = await users.list({ ...base, role: 'internal_user' });
        assert.deepEqual(byRole.users.map((u) => u.user_id).sort(), ['u-anna', 'u-cleo']);
        const byEmail = await users.list({ ...base, email: 'EXAMPLE.com' });
        assert.deepEqual(byEmail.users.map((u) => u.user_id).sort(), ['u-anna', 'u-ben']);
        const literal = await users.list({ ...base, email: 'o_x' });
        assert.deepEqual(
          literal.users.map((u) => u.user_id),
          ['u-cleo'],
          '"_" is a character, not a wildcard',
        );
        assert.equal((await users.list({ ...base, email: '%' })).total, 0);
        const byIds = await users.list({ ...base, userIds: ['u-ben', 'u-dan', 'nobody'] });
        assert.equal(byIds.total, 2);
        assert.equal((await users.list({ ...base, userIds: [] })).total, 0);
        const byTeam = await users.list({ ...base, teamId: 'list-team' });
        assert.deepEqual(
          byTeam.users.map((u) => u.user_id),
          ['u-cleo'],
        );
        const bySpend = await users.list({ ...base, sortBy: 'spend', order: 'asc' });
        assert.deepEqual(
          bySpend.users.map((u) => u.spend),
          [0, 1, 2, 3],
        );
      });

      it('update what the patch names, keep the email unique in any case, and store a password hash', async () => {
        const { users } = opened.store;
        await users.create(userRecord({ user_id: 'u-upd', user_email: 'upd@example.com' }));
        const updated = await users.update('u-upd', {
          user_alias: 'Up',
          models: ['gpt-4o'],
          tpm_limit: 5,
          user_email: 'New@Example.com',
        });
        assert.equal(updated?.user_alias, 'Up');
        assert.deepEqual(updated?.models, ['gpt-4o']);
        assert.equal(updated?.tpm_limit, 5);
        assert.equal((await users.findByEmail('new@example.COM'))?.user_id, 'u-upd');
        await assert.rejects(users.update('u-upd', { user_email: 'ANNA@example.com' }), (e) => {
          assert.ok(e instanceof UniqueViolation);
          assert.equal(e.column, 'user_email_lower');
          return true;
        });
        assert.equal(await users.update('nobody', { user_alias: 'x' }), undefined);
        await users.setPasswordHash('u-upd', 'scrypt$a$b');
        const row = await opened.database.db
          .selectFrom('users')
          .select('password_hash')
          .where('user_id', '=', 'u-upd')
          .executeTakeFirst();
        assert.equal(row?.password_hash, 'scrypt$a$b');
        assert.ok(!('password_hash' in ((await users.findById('u-upd')) ?? {})));
      });

      it('are deleted with their keys, grace-period secrets and memberships', async () => {
        const { users, keys, teams } = opened.store;
        await users.create(userRecord({ user_id: 'u-gone' }));
        await users.create(userRecord({ user_id: 'u-stays' }));
        await teams.create(teamRecord({ team_id: 'del-team' }));
        await teams.addMember(memberRecord({ team_id: 'del-team', user_id: 'u-gone' }));
        await teams.addMember(memberRecord({ team_id: 'del-team', user_id: 'u-stays' }));
        const gone = keyRecord({ token: sha256('sk-gone'), user_id: 'u-gone' });
        const kept = keyRecord({ token: sha256('sk-kept'), user_id: 'u-stays' });
        await keys.create(gone);
        await keys.create(kept);
        await keys.rotate(gone.token, {
          token: sha256('sk-gone-2'),
          key_name: null,
          updated_at: AT,
          graceUntil: '2999-01-01T00:00:00.000Z',
        });
        const tokens = await users.delete(['u-gone']);
        assert.deepEqual(tokens, [sha256('sk-gone-2')]);
        assert.equal(await users.findById('u-gone'), undefined);
        assert.equal(await keys.findByHash(sha256('sk-gone-2')), undefined);
        assert.equal(await keys.findDeprecated(gone.token, AT), undefined);
        assert.ok(await keys.findByHash(kept.token));
        assert.deepEqual(
          (await teams.membersOf('del-team')).map((m) => m.user_id),
          ['u-stays'],
        );
        assert.deepEqual(await users.delete([]), []);
      });
    });

    describe('teams', () => {
      it('are listed by alias, by id or organization', async () => {
        const { teams } = opened.store;
        await teams.create(teamRecord({ team_id: 't-z', team_alias: 'alpha' }));
        await teams.create(teamRecord({ team_id: 't-y', team_alias: 'beta' }));
        await teams.create(teamRecord({ team_id: 't-x', organization_id: 'org-1' }));
        const listed = await teams.list({ teamIds: ['t-x', 't-y', 't-z', 'missing'] });
        assert.deepEqual(
          listed.map((t) => t.team_id),
          ['t-z', 't-y', 't-x'],
        );
        assert.deepEqual(
          (await teams.list({ organizationId: 'org-1' })).map((t) => t.team_id),
          ['t-x'],
        );
        const noOrg = await teams.list({ organizationId: null });
        assert.ok(noOrg.every((t) => t.organization_id === null));
        assert.ok(noOrg.some((t) => t.team_id === 't-z'));
        assert.deepEqual(await teams.list({ teamIds: [] }), []);
      });

      it('update, and take out, a member; its keys for the team go with it', async () => {
        const { teams, users, keys } = opened.store;
        await users.create(userRecord({ user_id: 'u-member' }));
        await teams.create(teamRecord({ team_id: 't-members' }));
        await teams.create(teamRecord({ team_id: 't-other' }));
        await teams.addMember(memberRecord({ team_id: 't-members', user_id: 'u-member' }));
        await teams.addMember(memberRecord({ team_id: 't-other', user_id: 'u-member' }));
        const updated = await teams.updateMember('t-members', 'u-member', {
          role: 'admin',
          max_budget_in_team: 3,
          tpm_limit: 100,
        });
        assert.equal(updated?.role, 'admin');
        assert.equal(updated?.max_budget_in_team, 3);
        assert.equal(updated?.tpm_limit, 100);
        assert.equal(await teams.updateMember('t-members', 'nobody', { role: 'user' }), undefined);
        const teamKey = keyRecord({ user_id: 'u-member', team_id: 't-members' });
        const otherKey = keyRecord({ user_id: 'u-member', team_id: 't-other' });
        const ownKey = keyRecord({ user_id: 'u-member' });
        for (const k of [teamKey, otherKey, ownKey]) await keys.create(k);
        assert.deepEqual(await teams.removeMember('t-members', 'u-member'), [teamKey.token]);
        assert.equal(await teams.findMember('t-members', 'u-member'), undefined);
        assert.equal(await keys.findByHash(teamKey.token), undefined);
        assert.ok(await keys.findByHash(otherKey.token));
        assert.ok(await keys.findByHash(ownKey.token));
        const memberships = await teams.membershipsOf({ userIds: ['u-member'] });
        assert.deepEqual(
          memberships.map((m) => m.team_id),
          ['t-other'],
        );
        assert.deepEqual(
          (await teams.membershipsOf({ teamIds: ['t-other', 't-members'] })).map((m) => m.user_id),
          ['u-member'],
        );
      });

      it('are deleted with their keys and memberships, and nothing else', async () => {
        const { teams, users, keys } = opened.store;
        await users.create(userRecord({ user_id: 'u-of-deleted' }));
        await teams.create(teamRecord({ team_id: 't-deleted' }));
        await teams.addMember(memberRecord({ team_id: 't-deleted', user_id: 'u-of-deleted' }));
        const teamKey = keyRecord({ team_id: 't-deleted', user_id: 'u-of-deleted' });
        const ownKey = keyRecord({ user_id: 'u-of-deleted' });
        await keys.create(teamKey);
        await keys.create(ownKey);
        assert.deepEqual(await teams.delete(['t-deleted']), [teamKey.token]);
        assert.equal(await teams.findById('t-deleted'), undefined);
        assert.equal(await keys.findByHash(teamKey.token), undefined);
        assert.ok(await keys.findByHash(ownKey.token));
        assert.ok(await users.findById('u-of-deleted'));
        assert.deepEqual(await teams.membersOf('t-deleted'), []);
      });
    });

    describe('customers', () => {
      it('round-trip, update, list, and refuse a duplicate id', async () => {
        const { customers } = opened.store;
        const c = {
          ...newCustomer('c-1', AT),
          alias: 'Acme',
          max_budget: 5,
          tpm_limit: 1000,
          metadata: { tier: 'gold' },
          allowed_model_region: 'eu',
        };
        await customers.create(c);
        assert.deepEqual(await customers.findById('c-1'), c);
        await assert.rejects(customers.create(newCustomer('c-1', AT)), UniqueViolation);
        const updated = await customers.update('c-1', { alias: 'Acme 2', max_budget: null });
        assert.equal(updated?.alias, 'Acme 2');
        assert.equal(updated?.max_budget, null);
        assert.equal(updated?.tpm_limit, 1000);
        assert.equal(await customers.update('nobody', { alias: 'x' }), undefined);
        await customers.create(newCustomer('c-2', '2025-07-01T00:00:00.000Z'));
        assert.deepEqual(
          (await customers.list()).map((x) => x.user_id),
          ['c-1', 'c-2'],
        );
      });

      it('block (creating the ones that do not exist) and unblock, then delete', async () => {
        const { customers } = opened.store;
        const blocked = await customers.setBlocked(['c-1', 'c-new'], true, AT);
        assert.deepEqual(
          blocked.map((c) => [c.user_id, c.blocked]),
          [
            ['c-1', true],
            ['c-new', true],
          ],
        );
        assert.equal((await customers.findById('c-1'))?.alias, 'Acme 2', 'kept its settings');
        const unblocked = await customers.setBlocked(['c-new'], false, AT);
        assert.equal(unblocked[0]?.blocked, false);
        assert.deepEqual(await customers.setBlocked(['c-unknown'], false, AT), []);
        assert.equal(await customers.findById('c-unknown'), undefined);
        assert.equal(await customers.delete(['c-new', 'c-2', 'nobody']), 2);
        assert.deepEqual(
          (await customers.findByIds(['c-1', 'c-2', 'c-new'])).map((c) => c.user_id),
          ['c-1'],
        );
      });
    });
  });
}
