/**
 * Team admins manage their team's keys (update, regenerate, delete); plain team members and
 * outsiders do not — on every database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`team admins and their team's keys on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keyOf: Record<string, string> = {};

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      for (const id of ['lead', 'dev', 'peer', 'outsider']) {
        const r = await api.post('/user/new', { user_id: id, user_role: 'internal_user' });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        keyOf[id] = r.body.key as string;
      }
      const team = await api.post('/team/new', {
        team_id: 'squad',
        members_with_roles: [
          { role: 'admin', user_id: 'lead' },
          { role: 'user', user_id: 'dev' },
          { role: 'user', user_id: 'peer' },
        ],
      });
      assert.equal(team.status, 200, JSON.stringify(team.body));
    });
    after(async () => {
      await gateway.close();
      await opened.close();
    });

    const devTeamKey = async () => {
      const r = await api.post('/key/generate', { team_id: 'squad', user_id: 'dev' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.key as string;
    };

    it('lets the team admin update, regenerate and delete a member’s team key', async () => {
      const key = await devTeamKey();
      const updated = await api.post('/key/update', { key, key_alias: 'squad-dev' }, keyOf.lead);
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const rotated = await api.post('/key/regenerate', { key }, keyOf.lead);
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const fresh = rotated.body.key as string;
      const deleted = await api.post('/key/delete', { keys: [fresh] }, keyOf.lead);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.equal((await api.chat('gpt-4o-mini', fresh)).status, 401);
    });

    it('refuses a plain member and an outsider, and changes nothing', async () => {
      const key = await devTeamKey();
      for (const caller of ['peer', 'outsider']) {
        const update = await api.post(
          '/key/update',
          { key, key_alias: `by-${caller}` },
          keyOf[caller],
        );
        assert.equal(update.status, 403, `${caller}: ${JSON.stringify(update.body)}`);
        const del = await api.post('/key/delete', { keys: [key] }, keyOf[caller]);
        assert.equal(del.status, 403, `${caller}: ${JSON.stringify(del.body)}`);
      }
      const info = await api.get(`/key/info?key=${key}`);
      assert.equal(info.body.info.key_alias ?? null, null);
      assert.equal((await api.chat('gpt-4o-mini', key)).status, 200);
    });
  });
}
