/**
 * Models stored in the database (/model/new, /model/update, PATCH /model/{id}/update,
 * /model/delete, /model/info) over HTTP against real gateways, on every database: validated as
 * config entries, credentials encrypted at rest and never shown, applied at once on the replica
 * that took the call and after a poll on another one sharing the database.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/store/open-database.js';
import { createStore, type Store } from '../src/store/store.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: { master_key: MASTER_KEY },
};
const ENV = { TOLLGATE_SALT_KEY: 'salt-for-tests', TOLLGATE_MODEL_POLL_SECONDS: '0.1' };
const PROVIDER_SECRET = 'sk-provider-secret-0123456789';
const AWS_SECRET = 'aws-secret-abcdefghijklmnop';

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

for (const database of await testDatabases()) {
  describe(`/model/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const extraStores: Store[] = [];
    const extraGateways: TestGateway[] = [];

    /** Another replica: its own connection to the same database. */
    const replica = async (env: Record<string, string>, logStream?: PassThrough) => {
      const db = await openDatabase(opened.url, { schema: opened.schema });
      const store = createStore(db);
      extraStores.push(store);
      const started = await startGateway(CONFIG, { store, env, logStream });
      extraGateways.push(started);
      return started;
    };

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(CONFIG, { store: opened.store, env: ENV });
      api = adminClient(gateway.url, MASTER_KEY);
    });
    after(async () => {
      for (const g of extraGateways) await g.close();
      for (const s of extraStores) await s.close();
      await gateway?.close();
      await opened?.close();
    });

    it('/model/new stores the model with its credentials encrypted and serves it at once', async () => {
      const { status, body } = await api.post('/model/new', {
        model_name: 'db-gpt',
        litellm_params: {
          model: 'mock/gpt-db',
          api_key: PROVIDER_SECRET,
          mock_response: 'from the database',
        },
        model_info: { id: 'db-model-1', access_groups: ['beta'] },
      });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.model_id, 'db-model-1');
      assert.equal(body.model_name, 'db-gpt');
      assert.equal(body.litellm_params.model, 'mock/gpt-db');
      assert.match(body.litellm_params.api_key, /^tg1:/);
      assert.equal(body.created_by, 'default_user_id');
      assert.doesNotMatch(JSON.stringify(body), new RegExp(PROVIDER_SECRET));

      const chat = await api.chat('db-gpt');
      assert.equal(chat.status, 200, JSON.stringify(chat.body));
      assert.equal(chat.body.choices[0].message.content, 'from the database');
    });

    it('the stored row holds no secret in clear', async () => {
      const created = await api.post('/model/new', {
        model_name: 'db-bedrock',
        litellm_params: {
          model: 'bedrock/anthropic.claude-3-haiku',
          aws_access_key_id: 'AKIAEXAMPLE',
          aws_secret_access_key: AWS_SECRET,
          aws_region_name: 'us-east-1',
        },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.match(created.body.model_id, /^[0-9a-f-]{36}$/);
      const rows = await opened.database.db.selectFrom('models').selectAll().execute();
      assert.equal(rows.length, 2);
      const text = JSON.stringify(rows);
      assert.doesNotMatch(text, new RegExp(PROVIDER_SECRET));
      assert.doesNotMatch(text, new RegExp(AWS_SECRET));
      assert.doesNotMatch(text, /AKIAEXAMPLE/);
      assert.match(text, /bedrock\/anthropic\.claude-3-haiku/);
    });

    it('/model/info lists config and database models, credentials never in clear', async () => {
      const { status, body } = await api.get('/model/info');
      assert.equal(status, 200);
      const byName = new Map(body.data.map((m: { model_name: string }) => [m.model_name, m]));
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response fields
      const config = byName.get('gpt-4o-mini') as any;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response fields
      const db = byName.get('db-gpt') as any;
      assert.equal(config.model_info.db_model, false);
      assert.equal(db.model_info.db_model, true);
      assert.equal(db.model_info.id, 'db-model-1');
      assert.deepEqual(db.model_info.access_groups, ['beta']);
      assert.equal(db.litellm_params.api_key, undefined);
      const text = JSON.stringify(body);
      for (const secret of [PROVIDER_SECRET, AWS_SECRET, 'AKIAEXAMPLE', 'tg1:']) {
        assert.ok(!text.includes(secret), secret);
      }
      const one = await api.get('/model/info?litellm_model_id=db-model-1');
      assert.equal(one.body.data.length, 1);
      const health = await api.get('/health?model=db-gpt');
      assert.equal(health.status, 200);
      assert.equal(health.body.healthy_count, 1, JSON.stringify(health.body));
      assert.equal(health.body.healthy_endpoints[0].model_id, 'db-model-1');
    });

    it('validates like a config entry: unknown provider 400, bad shape 422, duplicate id 400', async () => {
      const unknown = await api.post('/model/new', {
        model_name: 'typo',
        litellm_params: { model: 'opneai/gpt-4o' },
      });
      assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
      assert.equal(
        unknown.body.error.message,
        'litellm_params.model: unknown provider "opneai" (did you mean "openai"?)',
      );
      const shape = await api.post('/model/new', { model_name: 'x', litellm_params: {} });
      assert.equal(shape.status, 422, JSON.stringify(shape.body));
      assert.match(shape.body.error.message, /^litellm_params\.model: /);
      const duplicate = await api.post('/model/new', {
        model_name: 'again',
        litellm_params: { model: 'mock/x' },
        model_info: { id: 'db-model-1' },
      });
      assert.equal(duplicate.status, 400);
      assert.equal(duplicate.body.error.message, 'Model with id=db-model-1 already exists');
      assert.equal((await api.chat('typo')).status, 400);
    });

    it('only proxy admins may change models', async () => {
      const user = await api.post('/user/new', { user_id: 'iu', user_role: 'internal_user' });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      const key: string = user.body.key;
      for (const [path, body] of [
        ['/model/new', { model_name: 'mine', litellm_params: { model: 'mock/x' } }],
        ['/model/update', { model_info: { id: 'db-model-1' }, model_name: 'mine' }],
        ['/model/delete', { id: 'db-model-1' }],
      ] as const) {
        const r = await api.post(path, body, key);
        assert.equal(r.status, 401, `${path} ${JSON.stringify(r.body)}`);
      }
      assert.equal((await api.chat('db-gpt')).status, 200);
    });

    it('a second replica on the same database sees additions, updates and deletions after its poll', async () => {
      const other = await replica(ENV);
      const otherApi = adminClient(other.url, MASTER_KEY);
      assert.equal((await otherApi.chat('db-gpt')).status, 200, 'loaded at start');

      const added = await api.post('/model/new', {
        model_name: 'late-model',
        litellm_params: { model: 'mock/late', mock_response: 'late' },
        model_info: { id: 'late-1' },
      });
      assert.equal(added.status, 200);
      assert.ok(await until(async () => (await otherApi.chat('late-model')).status === 200));

      const patch = await fetch(`${gateway.url}/model/late-1/update`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ litellm_params: { mock_response: 'patched' } }),
      });
      assert.equal(patch.status, 200, await patch.clone().text());
      assert.equal((await api.chat('late-model')).body.choices[0].message.content, 'patched');
      assert.ok(
        await until(
          async () =>
            (await otherApi.chat('late-model')).body.choices?.[0]?.message.content === 'patched',
        ),
      );

      const renamed = await api.post('/model/update', {
        model_info: { id: 'late-1' },
        model_name: 'renamed-model',
      });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.equal(renamed.body.model_name, 'renamed-model');
      assert.equal((await api.chat('late-model')).status, 400);
      assert.equal((await api.chat('renamed-model')).body.choices[0].message.content, 'patched');

      const deleted = await api.post('/model/delete', { id: 'late-1' });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, { message: 'Model: late-1 deleted successfully' });
      const gone = await api.chat('renamed-model');
      assert.equal(gone.status, 400);
      assert.match(gone.body.error.message, /^Invalid model name passed in model=renamed-model\./);
      assert.doesNotMatch(gone.body.error.message, /Available models: .*(renamed|late)/);
      assert.ok(await until(async () => (await otherApi.chat('renamed-model')).status === 400));
      assert.ok(await until(async () => (await otherApi.chat('late-model')).status === 400));

      const again = await api.post('/model/delete', { id: 'late-1' });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.message, 'Model with id=late-1 not found in db');
    });

    it('config models cannot be changed through the API', async () => {
      const info = await api.get('/model/info');
      const configId = info.body.data.find(
        (m: { model_name: string }) => m.model_name === 'gpt-4o-mini',
      ).model_info.id;
      const r = await api.post('/model/delete', { id: configId });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /is defined in the config file/);
      assert.equal((await api.chat('gpt-4o-mini')).status, 200);
    });

    it('a replica with another salt key skips the models it cannot decrypt, with a warning', async () => {
      const logs = new PassThrough();
      let text = '';
      logs.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      const other = await replica({ ...ENV, TOLLGATE_SALT_KEY: 'a-different-salt-key' }, logs);
      const otherApi = adminClient(other.url, MASTER_KEY);
      assert.equal((await otherApi.chat('gpt-4o-mini')).status, 200);
      assert.equal((await otherApi.chat('db-gpt')).status, 400);
      assert.match(text, /database model skipped: its credentials cannot be decrypted/);
      assert.match(text, /db-model-1/);
      assert.ok(!text.includes(PROVIDER_SECRET));
    });
  });
}

describe('/model/new without a database', () => {
  it('answers no db', async () => {
    const gateway = await startGateway(CONFIG);
    try {
      const r = await adminClient(gateway.url, MASTER_KEY).post('/model/new', {
        model_name: 'x',
        litellm_params: { model: 'mock/x' },
      });
      assert.equal(r.status, 500);
      assert.equal(r.body.error.type, 'no_db_connection');
    } finally {
      await gateway.close();
    }
  });
});
