/**
 * Cluster mode end to end: two gateway replicas on one database and the real Redis. A change made
 * through the admin API of replica A reaches the caches of replica B through Redis, long before
 * B's own cache time (60 s) or model poll (set to an hour here) would have noticed it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { eventually, replicaSet, TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};

for (const database of await testDatabases()) {
  describe(`cluster invalidation on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    const replicas = replicaSet(() => opened);
    let a: AdminClient;
    let b: AdminClient;
    let bUrl: string;

    before(async () => {
      opened = await database.open();
      const env = {
        REDIS_URL: TEST_REDIS_URL,
        TOLLGATE_REDIS_PREFIX: uniqueRedisPrefix(),
        TOLLGATE_SALT_KEY: 'salt-for-tests',
        // Only Redis can tell B about model changes within this test's time.
        TOLLGATE_MODEL_POLL_SECONDS: '3600',
      };
      const first = await replicas.start(CONFIG, env);
      const second = await replicas.start(CONFIG, env);
      a = adminClient(first.gateway.url, MASTER_KEY);
      b = adminClient(second.gateway.url, MASTER_KEY);
      bUrl = second.gateway.url;
    });
    after(async () => {
      await replicas.closeAll();
      await opened?.close();
    });

    const newKey = async (body: Record<string, unknown> = {}): Promise<string> => {
      const generated = await a.post('/key/generate', body);
      assert.equal(generated.status, 200, JSON.stringify(generated.body));
      return generated.body.key as string;
    };

    /** B serves the key now, so B holds it in its cache. */
    const warmOnB = async (key: string) => {
      const served = await b.chat('gpt-4o-mini', key);
      assert.equal(served.status, 200, JSON.stringify(served.body));
    };

    const refusedOnB = (key: string, status = 401) =>
      eventually(async () => (await b.chat('gpt-4o-mini', key)).status === status);

    it('a key blocked on A is refused by B', async () => {
      const key = await newKey();
      assert.equal((await a.chat('gpt-4o-mini', key)).status, 200);
      await warmOnB(key);
      assert.equal((await a.post('/key/block', { key })).status, 200);
      assert.ok(await refusedOnB(key), 'B still serves the blocked key');
      assert.equal((await a.post('/key/unblock', { key })).status, 200);
      assert.ok(
        await eventually(async () => (await b.chat('gpt-4o-mini', key)).status === 200),
        'B still refuses the unblocked key',
      );
    });

    it('a key deleted on A is refused by B', async () => {
      const key = await newKey();
      await warmOnB(key);
      assert.equal((await a.post('/key/delete', { keys: [key] })).status, 200);
      assert.ok(await refusedOnB(key), 'B still serves the deleted key');
    });

    it('a team blocked on A: its keys are refused by B', async () => {
      const team = await a.post('/team/new', { team_alias: 'cluster-team' });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      const key = await newKey({ team_id: team.body.team_id });
      await warmOnB(key);
      assert.equal((await a.post('/team/block', { team_id: team.body.team_id })).status, 200);
      assert.ok(await refusedOnB(key), 'B still serves a key of the blocked team');
    });

    it('a model added on A with /model/new is served by B; deleted, B no longer serves it', async () => {
      const added = await a.post('/model/new', {
        model_name: 'cluster-db-model',
        litellm_params: { model: 'mock/db', mock_response: 'from the database' },
        model_info: { id: 'cluster-db-1' },
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.ok(
        await eventually(async () => (await b.chat('cluster-db-model')).status === 200),
        'B does not serve the model added on A',
      );
      assert.equal((await a.post('/model/delete', { id: 'cluster-db-1' })).status, 200);
      assert.ok(
        await eventually(async () => (await b.chat('cluster-db-model')).status !== 200),
        'B still serves the model deleted on A',
      );
    });

    it("a tag's limits set on A hold calls on B; the tag deleted on A, B serves them again", async () => {
      const tagged = () =>
        fetch(`${bUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${MASTER_KEY}`,
            'content-type': 'application/json',
            'x-litellm-tags': 'cluster-cost-centre',
          },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }).then(async (r) => ({ status: r.status, text: await r.text() }));
      assert.equal((await tagged()).status, 200, 'no such tag yet');
      const created = await a.post('/tag/new', { name: 'cluster-cost-centre', rpm_limit: 0 });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.ok(
        await eventually(async () => (await tagged()).status === 429),
        "B does not hold calls to the tag's limit",
      );
      assert.match((await tagged()).text, /Rate limit exceeded for tag: cluster-cost-centre/);
      assert.equal((await a.post('/tag/delete', { name: 'cluster-cost-centre' })).status, 200);
      assert.ok(
        await eventually(async () => (await tagged()).status === 200),
        'B still holds calls to a deleted tag',
      );
    });

    it('a customer blocked on A is refused by B', async () => {
      const created = await a.post('/customer/new', { user_id: 'cluster-customer' });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const asCustomer = () =>
        fetch(`${bUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            user: 'cluster-customer',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }).then(async (r) => ({ status: r.status, text: await r.text() }));
      assert.equal((await asCustomer()).status, 200, 'B caches the customer as not blocked');
      const blocked = await a.post('/customer/block', { user_ids: ['cluster-customer'] });
      assert.equal(blocked.status, 200, JSON.stringify(blocked.body));
      assert.ok(
        await eventually(async () => (await asCustomer()).status === 400),
        'B still serves the blocked customer',
      );
      assert.match((await asCustomer()).text, /User blocked from making LLM API Calls/);
    });
  });
}
