/**
 * The operator's policy for /key/generate, over HTTP on every database: `default_key_generate_params`
 * (case 27), `upperbound_key_generate_params` clamping (cases 28, 29), `DISABLE_KEY_NAME`
 * (case 30), `key_generation_settings` (cases 67, 69, required_params), and no escalation: a
 * user cannot give a new key more models or budget than it holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';

const BASE = {
  model_list: [
    { model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } },
    { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const DAY = 86_400_000;
const keyOf = (user: string) => `sk-policy-${user}-0000`;

for (const database of await testDatabases()) {
  describe(`key generation policy on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    const gateways: TestGateway[] = [];

    /** A gateway on the shared store with these litellm_settings (and environment). */
    async function gatewayWith(
      litellmSettings: Record<string, unknown>,
      env: Record<string, string> = {},
    ): Promise<AdminClient> {
      const gateway = await startGateway(
        { ...BASE, litellm_settings: litellmSettings },
        { store: opened.store, env },
      );
      gateways.push(gateway);
      return adminClient(gateway.url, MASTER_KEY);
    }

    before(async () => {
      opened = await database.open();
      const { users, teams, keys } = opened.store;
      await users.create(userRecord({ user_id: 'alice', models: ['gpt-4o-mini'], max_budget: 10 }));
      await users.create(userRecord({ user_id: 'ta' }));
      await users.create(userRecord({ user_id: 'tm' }));
      await teams.create(teamRecord({ team_id: 'red', models: ['gpt-4o-mini'], max_budget: 5 }));
      await teams.addMember(memberRecord({ team_id: 'red', user_id: 'ta', role: 'admin' }));
      await teams.addMember(memberRecord({ team_id: 'red', user_id: 'tm', role: 'user' }));
      await teams.addMember(memberRecord({ team_id: 'red', user_id: 'alice', role: 'user' }));
      for (const user of ['alice', 'ta', 'tm']) {
        await keys.create(keyRecord({ token: sha256(keyOf(user)), user_id: user }));
      }
    });
    after(async () => {
      for (const gateway of gateways) await gateway.close();
      await opened?.close();
    });

    describe('default_key_generate_params', () => {
      it('(case 27) fills unset fields, models when [] and metadata when {}', async () => {
        const api = await gatewayWith({
          default_key_generate_params: {
            max_budget: 0.000122,
            tpm_limit: 50,
            models: ['gpt-4o-mini'],
            metadata: { source: 'default' },
            duration: '7d',
          },
        });
        const before = Date.now();
        const { status, body } = await api.post('/key/generate', {});
        assert.equal(status, 200);
        const info = (await api.get(`/key/info?key=${body.key}`)).body.info;
        assert.equal(info.max_budget, 0.000122);
        assert.equal(info.tpm_limit, 50);
        assert.deepEqual(info.models, ['gpt-4o-mini']);
        assert.deepEqual(info.metadata, { source: 'default' });
        assert.ok(Math.abs(Date.parse(info.expires) - (before + 7 * DAY)) < 10_000);

        const given = await api.post('/key/generate', {
          max_budget: 3,
          models: ['gpt-4o'],
          metadata: { mine: true },
          tpm_limit: null,
        });
        assert.equal(given.body.max_budget, 3);
        assert.deepEqual(given.body.models, ['gpt-4o']);
        assert.deepEqual(given.body.metadata, { mine: true });
        assert.equal(given.body.tpm_limit, 50, 'null counts as unset');
      });

      it('a default user_id applies to proxy admins only: anyone else’s key is its own', async () => {
        const api = await gatewayWith({ default_key_generate_params: { user_id: 'ta' } });
        assert.equal((await api.post('/key/generate', {})).body.user_id, 'ta');
        const own = await api.post('/key/generate', {}, keyOf('tm'));
        assert.equal(own.status, 200);
        assert.equal(own.body.user_id, 'tm');
      });
    });

    describe('upperbound_key_generate_params (clamped, not refused)', () => {
      it('(case 28) a value above the bound becomes the bound', async () => {
        const api = await gatewayWith({
          upperbound_key_generate_params: { max_budget: 0.001, budget_duration: '1m' },
        });
        const { status, body } = await api.post('/key/generate', {
          max_budget: 200000,
          budget_duration: '30d',
        });
        assert.equal(status, 200);
        assert.equal(body.max_budget, 0.001);
        assert.equal(body.budget_duration, '1m');
        const info = (await api.get(`/key/info?key=${body.key}`)).body.info;
        assert.equal(info.max_budget, 0.001);
        assert.ok(Date.parse(info.budget_reset_at) < Date.now() + 61_000);
        const under = await api.post('/key/generate', {
          max_budget: 0.0005,
          budget_duration: '30s',
        });
        assert.equal(under.body.max_budget, 0.0005);
        assert.equal(under.body.budget_duration, '30s');
      });

      it('(case 29) durations: longer or never → the bound; unset → the bound', async () => {
        const api = await gatewayWith({
          upperbound_key_generate_params: {
            duration: '14d',
            max_budget: 0.001,
            tpm_limit: 100,
            rpm_limit: 10,
            max_parallel_requests: 2,
          },
        });
        const now = Date.now();
        const near = (iso: string, ms: number) => Math.abs(Date.parse(iso) - (now + ms)) < 10_000;
        const longer = await api.post('/key/generate', { duration: '30d' });
        assert.equal(longer.status, 200);
        assert.ok(near(longer.body.expires, 14 * DAY), longer.body.expires);
        const never = await api.post('/key/generate', { duration: '-1' });
        assert.ok(near(never.body.expires, 14 * DAY), never.body.expires);
        const unset = await api.post('/key/generate', {});
        const info = (await api.get(`/key/info?key=${unset.body.key}`)).body.info;
        assert.ok(near(info.expires, 14 * DAY), info.expires);
        assert.equal(info.max_budget, 0.001);
        assert.equal(info.tpm_limit, 100);
        assert.equal(info.rpm_limit, 10);
        assert.equal(info.max_parallel_requests, 2);
        const shorter = await api.post('/key/generate', {
          duration: '1d',
          tpm_limit: 1000,
          rpm_limit: 5,
        });
        assert.ok(near(shorter.body.expires, DAY));
        assert.equal(shorter.body.tpm_limit, 100);
        assert.equal(shorter.body.rpm_limit, 5);
        // Non-admins are bounded the same way.
        const mine = await api.post('/key/generate', { max_budget: 1 }, keyOf('ta'));
        assert.equal(mine.status, 200);
        assert.equal(mine.body.max_budget, 0.001);
      });

      it('a bound above the user’s own budget is the operator’s: not an escalation', async () => {
        const api = await gatewayWith({ upperbound_key_generate_params: { max_budget: 100 } });
        const own = await api.post('/key/generate', {}, keyOf('alice'));
        assert.equal(own.status, 200);
        assert.equal(own.body.max_budget, 100);
        const asked = await api.post('/key/generate', { max_budget: 50 }, keyOf('alice'));
        assert.equal(asked.status, 403, 'asking for more than the user holds still is');
      });

      it('an invalid bound refuses to start, naming it', async () => {
        await assert.rejects(
          gatewayWith({ upperbound_key_generate_params: { duration: 'forever' } }),
          /litellm_settings\.upperbound_key_generate_params\.duration/,
        );
      });
    });

    it('(case 30) DISABLE_KEY_NAME=True: new keys have no key_name', async () => {
      const api = await gatewayWith({}, { DISABLE_KEY_NAME: 'True' });
      const { status, body } = await api.post('/key/generate', {});
      assert.equal(status, 200);
      assert.equal(body.key_name, null);
      assert.equal((await api.get(`/key/info?key=${body.key}`)).body.info.key_name, null);
      const named = await (await gatewayWith({})).post('/key/generate', {});
      assert.equal(named.body.key_name, `sk-...${named.body.key.slice(-4)}`);
    });

    describe('key_generation_settings', () => {
      it('(case 67) team keys: only the allowed member roles; proxy admins bypass', async () => {
        const api = await gatewayWith({
          key_generation_settings: {
            team_key_generation: { allowed_team_member_roles: ['admin'] },
          },
        });
        const member = await api.post('/key/generate', { team_id: 'red' }, keyOf('tm'));
        assert.equal(member.status, 400);
        assert.equal(
          member.body.error.message,
          "Team member role user not in allowed_team_member_roles=['admin']",
        );
        const admin = await api.post('/key/generate', { team_id: 'red' }, keyOf('ta'));
        assert.equal(admin.status, 200);
        assert.equal(admin.body.team_id, 'red');
        assert.equal((await api.post('/key/generate', { team_id: 'red' })).status, 200);
        // Personal keys are not restricted by team_key_generation.
        assert.equal((await api.post('/key/generate', {}, keyOf('tm'))).status, 200);
      });

      it('team keys: required_params must be in the request', async () => {
        const api = await gatewayWith({
          key_generation_settings: { team_key_generation: { required_params: ['tags'] } },
        });
        const without = await api.post('/key/generate', { team_id: 'red' }, keyOf('tm'));
        assert.equal(without.status, 400);
        assert.equal(without.body.error.message, 'Required param tags not in data');
        const withTags = await api.post(
          '/key/generate',
          { team_id: 'red', tags: ['a'] },
          keyOf('tm'),
        );
        assert.equal(withTags.status, 200);
      });

      it('(case 69) personal keys: only the allowed roles; proxy admins bypass', async () => {
        const api = await gatewayWith({
          key_generation_settings: {
            personal_key_generation: { allowed_user_roles: ['proxy_admin'] },
          },
        });
        const refused = await api.post('/key/generate', {}, keyOf('alice'));
        assert.equal(refused.status, 400);
        assert.equal(
          refused.body.error.message,
          "Personal key creation has been restricted by admin. Allowed roles=['proxy_admin']. Your role=internal_user",
        );
        assert.equal((await api.post('/key/generate', {})).status, 200);
        // Team keys are not personal keys.
        assert.equal(
          (await api.post('/key/generate', { team_id: 'red' }, keyOf('tm'))).status,
          200,
        );
      });

      it('personal keys: required_params, checked against the fields the body names', async () => {
        const api = await gatewayWith({
          key_generation_settings: {
            personal_key_generation: {
              allowed_user_roles: ['internal_user'],
              required_params: ['key_alias'],
            },
          },
        });
        const without = await api.post('/key/generate', {}, keyOf('ta'));
        assert.equal(without.status, 400);
        assert.equal(without.body.error.message, 'Required param key_alias not in data');
        const named = await api.post('/key/generate', { key_alias: null }, keyOf('ta'));
        assert.equal(named.status, 200, 'present, even as null, as LiteLLM checks it');
      });
    });

    describe('no escalation', () => {
      let api: AdminClient;
      before(async () => {
        api = await gatewayWith({});
      });

      it('a user’s new key stays within the user’s models and budget', async () => {
        const count = async () =>
          (await opened.store.keys.list({ page: 1, size: 1, userId: 'alice' })).total;
        const start = await count();
        const models = await api.post('/key/generate', { models: ['gpt-4o'] }, keyOf('alice'));
        assert.equal(models.status, 403);
        assert.equal(
          models.body.error.message,
          "User=alice not allowed to create a key for model=gpt-4o. Allowed user models = ['gpt-4o-mini']",
        );
        const all = await api.post('/key/generate', { models: ['*'] }, keyOf('alice'));
        assert.equal(all.status, 403);
        const budget = await api.post('/key/generate', { max_budget: 11 }, keyOf('alice'));
        assert.equal(budget.status, 403);
        assert.equal(budget.body.error.message, 'max_budget=11 is above your max_budget=10');
        assert.equal(await count(), start, 'no key was created');
        const ok = await api.post(
          '/key/generate',
          { models: ['gpt-4o-mini'], max_budget: 10 },
          keyOf('alice'),
        );
        assert.equal(ok.status, 200);
        // Proxy admins give any key anything.
        const admin = await api.post('/key/generate', {
          user_id: 'alice',
          models: ['gpt-4o'],
          max_budget: 100,
        });
        assert.equal(admin.status, 200);
      });

      it('a team key stays within the team’s models and budget', async () => {
        const models = await api.post(
          '/key/generate',
          { team_id: 'red', models: ['gpt-4o'] },
          keyOf('tm'),
        );
        assert.equal(models.status, 403);
        assert.equal(
          models.body.error.message,
          "Team=red not allowed to create a key for model=gpt-4o. Allowed team models = ['gpt-4o-mini']",
        );
        const budget = await api.post(
          '/key/generate',
          { team_id: 'red', max_budget: 6 },
          keyOf('tm'),
        );
        assert.equal(budget.status, 403);
        assert.equal(budget.body.error.message, "max_budget=6 is above the team's max_budget=5");
        const ok = await api.post(
          '/key/generate',
          { team_id: 'red', models: ['gpt-4o-mini', 'all-team-models'], max_budget: 5 },
          keyOf('tm'),
        );
        assert.equal(ok.status, 200);
      });

      it('/key/update cannot widen a user’s own key either', async () => {
        const { body: made } = await api.post('/key/generate', {}, keyOf('alice'));
        const wider = await api.post(
          '/key/update',
          { key: made.key, models: ['gpt-4o'] },
          keyOf('alice'),
        );
        assert.equal(wider.status, 403);
        const richer = await api.post(
          '/key/update',
          { key: made.key, max_budget: 50 },
          keyOf('alice'),
        );
        assert.equal(richer.status, 403);
        const info = (await api.get(`/key/info?key=${made.key}`)).body.info;
        assert.deepEqual(info.models, []);
        assert.equal(info.max_budget, null);
        const narrower = await api.post(
          '/key/update',
          { key: made.key, models: ['gpt-4o-mini'], max_budget: 2 },
          keyOf('alice'),
        );
        assert.equal(narrower.status, 200);
      });

      it('(case 22) a user cannot create a key for someone else', async () => {
        const other = await api.post('/key/generate', { user_id: 'ta' }, keyOf('alice'));
        assert.equal(other.status, 403);
        assert.equal(
          other.body.error.message,
          'User can only create keys for themselves. Got user_id=ta, Your ID=alice',
        );
      });
    });
  });
}
