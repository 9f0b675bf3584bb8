/**
 * The audit log of admin changes, on every database, through a real gateway: each change to a
 * key, user, team, membership or customer leaves one entry (who, what, when, before and after,
 * no secrets), written in the change's own transaction; GET /audit/logs reads it back with its
 * filters and pages, for proxy admins and viewers only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashKey } from '../src/auth/authenticate.js';
import { newCustomer } from '../src/store/customer-repository.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

const MASTER_HASH = hashKey(MASTER_KEY);

interface Entry {
  id: string;
  updated_at: string;
  changed_by: string | null;
  changed_by_api_key: string | null;
  action: string;
  table_name: string;
  object_id: string;
  before_value: Record<string, unknown> | null;
  updated_values: Record<string, unknown> | null;
}

for (const database of await testDatabases()) {
  describe(`audit log on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    /** Every entry, oldest first. */
    const all = async (filter = ''): Promise<Entry[]> => {
      const r = await api.get(`/audit/logs?page_size=100${filter}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.audit_logs as Entry[]).reverse();
    };
    const rawKeys: string[] = [];

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    it('records a key created, updated, blocked, unblocked, regenerated and deleted', async () => {
      const made = await api.post('/key/generate', { key_alias: 'k1', metadata: { team: 'x' } });
      assert.equal(made.status, 200);
      rawKeys.push(made.body.key);
      const token = hashKey(made.body.key);
      assert.equal(
        (await api.post('/key/update', { key: made.body.key, max_budget: 5 })).status,
        200,
      );
      assert.equal((await api.post('/key/block', { key: made.body.key })).status, 200);
      assert.equal((await api.post('/key/unblock', { key: made.body.key })).status, 200);
      const again = await api.post('/key/regenerate', { key: made.body.key });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      rawKeys.push(again.body.key);
      const newToken = hashKey(again.body.key);
      assert.equal((await api.post('/key/delete', { keys: [again.body.key] })).status, 200);

      const entries = await all('&table_name=keys');
      assert.deepEqual(
        entries.map((e) => [e.action, e.object_id]),
        [
          ['created', token],
          ['updated', token],
          ['blocked', token],
          ['unblocked', token],
          ['regenerated', newToken],
          ['deleted', newToken],
        ],
      );
      for (const e of entries) {
        assert.equal(e.changed_by, 'default_user_id');
        assert.equal(e.changed_by_api_key, MASTER_HASH);
        assert.ok(!Number.isNaN(Date.parse(e.updated_at)));
      }
      const [created, updated, blocked, , regenerated, deleted] = entries;
      assert.equal(created?.before_value, null);
      assert.equal(created?.updated_values?.key_alias, 'k1');
      assert.deepEqual(created?.updated_values?.metadata, { team: 'x' });
      assert.equal(updated?.before_value?.max_budget, null);
      assert.equal(updated?.updated_values?.max_budget, 5);
      assert.equal(blocked?.before_value?.blocked, false);
      assert.equal(blocked?.updated_values?.blocked, true);
      assert.equal(regenerated?.before_value?.token, token);
      assert.equal(regenerated?.updated_values?.token, newToken);
      assert.equal(deleted?.before_value?.token, newToken);
      assert.equal(deleted?.updated_values, null);
    });

    it('records users, teams, memberships and customers, with the rows that went with them', async () => {
      const user = await api.post('/user/new', {
        user_id: 'audit-u1',
        user_email: 'u1@example.com',
        password: 'hunter2-secret',
      });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      rawKeys.push(user.body.key);
      const userKey = hashKey(user.body.key);
      assert.equal(
        (await api.post('/user/update', { user_id: 'audit-u1', max_budget: 9 })).status,
        200,
      );
      assert.equal((await api.post('/team/new', { team_id: 'audit-t1' })).status, 200);
      const add = await api.post('/team/member_add', {
        team_id: 'audit-t1',
        member: { user_id: 'audit-u1', role: 'user' },
      });
      assert.equal(add.status, 200, JSON.stringify(add.body));
      const teamKey = await api.post('/key/generate', { user_id: 'audit-u1', team_id: 'audit-t1' });
      rawKeys.push(teamKey.body.key);
      assert.equal(
        (
          await api.post('/team/member_update', {
            team_id: 'audit-t1',
            user_id: 'audit-u1',
            role: 'admin',
          })
        ).status,
        200,
      );
      assert.equal(
        (await api.post('/team/update', { team_id: 'audit-t1', team_alias: 'T1' })).status,
        200,
      );
      assert.equal((await api.post('/team/block', { team_id: 'audit-t1' })).status, 200);
      assert.equal((await api.post('/team/delete', { team_ids: ['audit-t1'] })).status, 200);
      assert.equal((await api.post('/customer/new', { user_id: 'audit-c1' })).status, 200);
      assert.equal(
        (await api.post('/customer/update', { user_id: 'audit-c1', alias: 'C' })).status,
        200,
      );
      assert.equal((await api.post('/customer/block', { user_ids: ['audit-c1'] })).status, 200);
      assert.equal((await api.post('/customer/unblock', { user_ids: ['audit-c1'] })).status, 200);
      assert.equal((await api.post('/customer/delete', { user_ids: ['audit-c1'] })).status, 200);
      assert.equal((await api.post('/user/delete', { user_ids: ['audit-u1'] })).status, 200);

      const pairs = (entries: Entry[]) => entries.map((e) => [e.action, e.table_name, e.object_id]);
      assert.deepEqual(pairs(await all('&object_id=audit-u1')), [
        ['created', 'users', 'audit-u1'],
        ['updated', 'users', 'audit-u1'],
        ['updated', 'users', 'audit-u1'],
        ['deleted', 'users', 'audit-u1'],
      ]);
      assert.deepEqual(pairs(await all('&object_id=audit-t1')), [
        ['created', 'teams', 'audit-t1'],
        ['updated', 'teams', 'audit-t1'],
        ['blocked', 'teams', 'audit-t1'],
        ['deleted', 'teams', 'audit-t1'],
      ]);
      assert.deepEqual(pairs(await all('&table_name=team_members')), [
        ['created', 'team_members', 'audit-t1:audit-u1'],
        ['updated', 'team_members', 'audit-t1:audit-u1'],
        ['deleted', 'team_members', 'audit-t1:audit-u1'],
      ]);
      assert.deepEqual(pairs(await all('&table_name=customers')), [
        ['created', 'customers', 'audit-c1'],
        ['updated', 'customers', 'audit-c1'],
        ['blocked', 'customers', 'audit-c1'],
        ['unblocked', 'customers', 'audit-c1'],
        ['deleted', 'customers', 'audit-c1'],
      ]);
      // The keys that went with the team and with the user are in the log too.
      assert.deepEqual(pairs(await all(`&object_id=${hashKey(teamKey.body.key)}`)), [
        ['created', 'keys', hashKey(teamKey.body.key)],
        ['deleted', 'keys', hashKey(teamKey.body.key)],
      ]);
      assert.deepEqual(pairs(await all(`&object_id=${userKey}`)), [
        ['created', 'keys', userKey],
        ['deleted', 'keys', userKey],
      ]);
      const password = (await all('&object_id=audit-u1'))[1];
      assert.equal(password?.updated_values?.password, '[redacted]');
    });

    it('records models stored in the database, with their credentials redacted', async () => {
      const made = await api.post('/model/new', {
        model_name: 'audit-db-model',
        litellm_params: { model: 'mock/audit', api_key: 'provider-secret-value' },
        model_info: { id: 'audit-m1' },
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const update = await api.post('/model/update', {
        model_info: { id: 'audit-m1' },
        litellm_params: { rpm: 7 },
      });
      assert.equal(update.status, 200, JSON.stringify(update.body));
      assert.equal((await api.post('/model/delete', { id: 'audit-m1' })).status, 200);
      const entries = await all('&table_name=models');
      assert.deepEqual(
        entries.map((e) => [e.action, e.object_id]),
        [
          ['created', 'audit-m1'],
          ['updated', 'audit-m1'],
          ['deleted', 'audit-m1'],
        ],
      );
      const params = entries[0]?.updated_values?.litellm_params as Record<string, unknown>;
      assert.equal(params.api_key, '[redacted]');
      assert.equal(params.model, 'mock/audit');
      assert.doesNotMatch(JSON.stringify(entries), /provider-secret-value/);
    });

    it('records invitations created, updated, claimed by the invited user, and deleted', async () => {
      assert.equal((await api.post('/user/new', { user_id: 'audit-inv' })).status, 200);
      const made = await api.post('/invitation/new', { user_id: 'audit-inv' });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      const id = made.body.id as string;
      const updated = await api.post('/invitation/update', {
        invitation_id: id,
        is_accepted: false,
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const claimed = await fetch(`${gateway.url}/onboarding/claim_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          invitation_link: id,
          user_id: 'audit-inv',
          password: 'hunter2-invited',
        }),
      });
      assert.equal(claimed.status, 200, await claimed.text());

      const entries = await all(`&object_id=${id}`);
      assert.deepEqual(
        entries.map((e) => [e.action, e.table_name, e.changed_by]),
        [
          ['created', 'invitations', 'default_user_id'],
          ['updated', 'invitations', 'default_user_id'],
          ['updated', 'invitations', 'audit-inv'],
        ],
      );
      assert.equal(entries[0]?.changed_by_api_key, MASTER_HASH);
      assert.equal(entries[0]?.updated_values?.user_id, 'audit-inv');
      assert.equal(entries[2]?.before_value?.is_accepted, false);
      assert.equal(entries[2]?.updated_values?.is_accepted, true);
      assert.equal(entries[2]?.changed_by_api_key, null);
      const password = (await all('&object_id=audit-inv')).filter((e) => e.action === 'updated');
      assert.deepEqual(
        password.map((e) => [e.table_name, e.changed_by, e.updated_values?.password]),
        [['users', 'audit-inv', '[redacted]']],
      );

      const other = await api.post('/invitation/new', { user_id: 'audit-inv' });
      assert.equal(
        (await api.post('/invitation/delete', { invitation_id: other.body.id })).status,
        200,
      );
      const deleted = await all(`&object_id=${other.body.id as string}&action=deleted`);
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0]?.before_value?.id, other.body.id);
      assert.equal(deleted[0]?.updated_values, null);
    });

    it('never stores a raw key, a password or a password hash', async () => {
      const rows = await opened.database.db.selectFrom('audit_log').selectAll().execute();
      assert.ok(rows.length > 20);
      const text = JSON.stringify(rows);
      for (const raw of [...rawKeys, MASTER_KEY]) assert.ok(!text.includes(raw), 'a raw key');
      assert.ok(!text.includes('hunter2'), 'a password');
      const hashes = await opened.database.db.selectFrom('users').select('password_hash').execute();
      for (const { password_hash } of hashes) {
        if (password_hash) assert.ok(!text.includes(password_hash), 'a password hash');
      }
      assert.doesNotMatch(text, /"sk-(?!\.\.\.)/);
    });

    it('names who made the change: the user id and the hash of the key it used', async () => {
      const admin = await api.post('/user/new', { user_id: 'audit-pa', user_role: 'proxy_admin' });
      rawKeys.push(admin.body.key);
      const made = await api.post('/customer/new', { user_id: 'audit-c2' }, admin.body.key);
      assert.equal(made.status, 200);
      const [entry] = await all('&object_id=audit-c2');
      assert.equal(entry?.changed_by, 'audit-pa');
      assert.equal(entry?.changed_by_api_key, hashKey(admin.body.key));
      assert.equal((await all('&changed_by=audit-pa')).length, 1);
      assert.equal(
        (await all(`&changed_by_api_key=${admin.body.key}`)).length,
        1,
        'a raw key in the filter is hashed',
      );
    });

    it('a refused change leaves no entry; the request path writes none', async () => {
      const count = async () => (await api.get('/audit/logs?page_size=1')).body.total as number;
      const before = await count();
      assert.equal((await api.post('/key/generate', { key_alias: 'k-dup' })).status, 200);
      assert.equal((await api.post('/key/generate', { key_alias: 'k-dup' })).status, 400);
      assert.equal((await api.post('/team/delete', { team_ids: ['nope'] })).status, 404);
      assert.equal((await api.chat('gpt-4o-mini')).status, 200);
      assert.equal(await count(), before + 1);
    });

    it('filters by action and date range, and pages', async () => {
      const deleted = await all('&action=deleted');
      assert.ok(deleted.length >= 5);
      assert.ok(deleted.every((e) => e.action === 'deleted'));
      const today = new Date().toISOString().slice(0, 10);
      const total = (await api.get('/audit/logs')).body.total as number;
      assert.equal(
        (await api.get(`/audit/logs?start_date=${today}&end_date=${today}`)).body.total,
        total,
      );
      assert.equal((await api.get('/audit/logs?end_date=2000-01-01')).body.total, 0);
      assert.equal((await api.get('/audit/logs?start_date=2999-01-01T00:00:00Z')).body.total, 0);
      const first = await api.get('/audit/logs?page_size=2');
      const second = await api.get('/audit/logs?page_size=2&page=2');
      assert.equal(first.body.audit_logs.length, 2);
      assert.equal(first.body.total_pages, Math.ceil(total / 2));
      assert.equal(second.body.page, 2);
      assert.ok(first.body.audit_logs[1].id > second.body.audit_logs[0].id, 'newest first');
      const bad = await api.get('/audit/logs?start_date=yesterday');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.param, 'start_date');
    });

    it('is readable by proxy admins and viewers only', async () => {
      const keyOf = async (user_id: string, user_role: string) => {
        const r = await api.post('/user/new', { user_id, user_role });
        rawKeys.push(r.body.key);
        return r.body.key as string;
      };
      assert.equal(
        (await api.get('/audit/logs', await keyOf('audit-pav', 'proxy_admin_viewer'))).status,
        200,
      );
      assert.equal(
        (await api.get('/audit/logs', await keyOf('audit-iu', 'internal_user'))).status,
        401,
      );
      assert.equal(
        (await api.get('/audit/logs', await keyOf('audit-iuv', 'internal_user_viewer'))).status,
        401,
      );
      assert.equal((await api.get('/audit/logs', 'sk-wrong')).status, 401);
    });

    it('is written in the transaction of the change: no log, no change', async () => {
      await opened.database.db.schema.dropTable('audit_log').execute();
      const r = await api.post('/key/generate', { key_alias: 'k-unlogged' });
      assert.equal(r.status, 500);
      assert.equal(await opened.store.keys.findByAlias('k-unlogged'), undefined);
      const u = await api.post('/customer/new', { user_id: 'audit-c-unlogged' });
      assert.equal(u.status, 500);
      assert.equal(await opened.store.customers.findById('audit-c-unlogged'), undefined);
      // Outside an admin call the repositories write no log and do not need one.
      await opened.store.customers.create(newCustomer('plain', new Date().toISOString()));
      assert.ok(await opened.store.customers.findById('plain'));
    });
  });
}
