/**
 * The admin listener of the security model (admin endpoints only inside the private network):
 * with `admin_port` the admin API moves to a second listener of the same process and store, and
 * the public listener answers 404 for it as for a route that does not exist; LLM routes, model
 * lists and health stay public. Real listeners, in-process and through the `tollgate` command.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startTollgate, type RunningTollgate } from './helpers/run-tollgate.js';
import { freePort } from './helpers/free-port.js';

const MODELS = [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }];

function config(general: Record<string, unknown>): Record<string, unknown> {
  return { model_list: MODELS, general_settings: { master_key: MASTER_KEY, ...general } };
}

const NOT_FOUND = { status: 404, body: { detail: 'Not Found' } };

async function raw(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** What the public listener answers for the admin API when it is not served there. */
async function assertAdminHidden(api: AdminClient, baseUrl: string): Promise<void> {
  assert.deepEqual(await api.post('/key/generate', {}), NOT_FOUND);
  assert.deepEqual(await api.get('/key/list'), NOT_FOUND);
  assert.deepEqual(await api.post('/user/new', { user_id: 'x' }), NOT_FOUND);
  assert.deepEqual(await api.get('/team/list'), NOT_FOUND);
  assert.deepEqual(await api.get('/customer/list'), NOT_FOUND);
  assert.deepEqual(await api.post('/key/sk-abc/regenerate', {}), NOT_FOUND);
  // Before authentication: no key, or a wrong one, learns nothing more than a 404.
  assert.deepEqual(await raw(`${baseUrl}/key/generate`, { method: 'POST' }), NOT_FOUND);
  assert.deepEqual(await api.post('/key/generate', {}, 'sk-wrong'), NOT_FOUND);
}

for (const database of await testDatabases()) {
  describe(`admin listener on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    before(async () => {
      opened = await database.open();
    });
    after(async () => {
      await opened?.close();
    });

    describe('with general_settings.admin_port', () => {
      let gateway: TestGateway;
      let pub: AdminClient;
      let admin: AdminClient;
      before(async () => {
        gateway = await startGateway(config({ admin_port: 0 }), { store: opened.store });
        assert.ok(gateway.adminUrl);
        assert.notEqual(gateway.adminUrl, gateway.url);
        pub = adminClient(gateway.url, MASTER_KEY);
        admin = adminClient(gateway.adminUrl, MASTER_KEY);
      });
      after(async () => {
        await gateway?.close();
      });

      it('the public listener answers 404 {"detail":"Not Found"} for every admin route', async () => {
        await assertAdminHidden(pub, gateway.url);
      });

      it('the public listener keeps LLM routes, model lists and health', async () => {
        assert.equal((await pub.chat('gpt-4o-mini')).status, 200);
        assert.equal((await pub.get('/v1/models')).status, 200);
        assert.equal((await pub.get('/model/info')).status, 200);
        assert.equal((await raw(`${gateway.url}/health/liveliness`)).status, 200);
        assert.equal((await raw(`${gateway.url}/health/readiness`)).status, 200);
      });

      it('the admin listener serves the admin API over the same store and caches', async () => {
        const made = await admin.post('/key/generate', { key_alias: 'via-admin' });
        assert.equal(made.status, 200, JSON.stringify(made.body));
        const key = made.body.key as string;
        assert.equal((await admin.get(`/key/info?key=${key}`)).status, 200);
        // The key works at once on the public listener: one process, one store, one cache.
        assert.equal((await pub.chat('gpt-4o-mini', key)).status, 200);
        const blocked = await admin.post('/key/block', { key });
        assert.equal(blocked.status, 200);
        assert.equal((await pub.chat('gpt-4o-mini', key)).status, 401);
        // Authentication still applies on the admin listener.
        assert.equal((await admin.get('/key/list', 'sk-wrong')).status, 401);
      });

      it('the admin listener serves health but no LLM route or model list', async () => {
        assert.equal((await raw(`${gateway.adminUrl}/health/liveliness`)).status, 200);
        assert.equal((await raw(`${gateway.adminUrl}/health/readiness`)).status, 200);
        assert.deepEqual(await admin.chat('gpt-4o-mini'), NOT_FOUND);
        assert.deepEqual(await admin.get('/v1/models'), NOT_FOUND);
        assert.deepEqual(await admin.get('/nope'), NOT_FOUND);
      });

      it('closing the app closes both listeners', async () => {
        const other = await startGateway(config({ admin_port: 0 }), { store: opened.store });
        await other.close();
        await assert.rejects(fetch(`${other.adminUrl}/health/liveliness`));
        await assert.rejects(fetch(`${other.url}/health/liveliness`));
      });
    });

    it('disable_admin_routes_on_public_listener without an admin port turns the admin API off', async () => {
      const gateway = await startGateway(
        config({ disable_admin_routes_on_public_listener: true }),
        {
          store: opened.store,
        },
      );
      try {
        assert.equal(gateway.adminUrl, undefined);
        const api = adminClient(gateway.url, MASTER_KEY);
        await assertAdminHidden(api, gateway.url);
        assert.equal((await api.chat('gpt-4o-mini')).status, 200);
      } finally {
        await gateway.close();
      }
    });

    it("LiteLLM's DISABLE_ADMIN_ENDPOINTS=true does the same", async () => {
      const gateway = await startGateway(config({}), {
        store: opened.store,
        env: { DISABLE_ADMIN_ENDPOINTS: 'true' },
      });
      try {
        await assertAdminHidden(adminClient(gateway.url, MASTER_KEY), gateway.url);
      } finally {
        await gateway.close();
      }
    });

    it('disable_admin_routes_on_public_listener: false keeps the admin API on both listeners', async () => {
      const gateway = await startGateway(
        config({ admin_port: 0, disable_admin_routes_on_public_listener: false }),
        { store: opened.store },
      );
      try {
        assert.ok(gateway.adminUrl);
        assert.equal((await adminClient(gateway.url, MASTER_KEY).get('/key/list')).status, 200);
        assert.equal(
          (await adminClient(gateway.adminUrl, MASTER_KEY).get('/key/list')).status,
          200,
        );
      } finally {
        await gateway.close();
      }
    });

    it('without any of these settings the public listener serves the admin API as before', async () => {
      const gateway = await startGateway(config({}), { store: opened.store });
      try {
        assert.equal(gateway.adminUrl, undefined);
        assert.equal((await adminClient(gateway.url, MASTER_KEY).get('/key/list')).status, 200);
      } finally {
        await gateway.close();
      }
    });
  });
}

describe('tollgate --admin-port', () => {
  let dir: string;
  let configFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-admin-'));
    configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `model_list:\n  - model_name: gpt-4o-mini\n    litellm_params:\n      model: mock/gpt-4o-mini\ngeneral_settings:\n  master_key: ${MASTER_KEY}\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const how of ['--admin-port', 'TOLLGATE_ADMIN_PORT'] as const) {
    it(`serves the admin API only on the admin port (${how})`, async () => {
      // A free port may be taken by another test between the check and the listen: try again.
      const start = async (
        attempt = 1,
      ): Promise<{ gateway: RunningTollgate; adminPort: number }> => {
        const adminPort = await freePort();
        const args = ['--config', configFile];
        const env: Record<string, string> = { DATABASE_URL: `sqlite:${join(dir, `${how}.db`)}` };
        if (how === '--admin-port')
          args.push('--admin-port', String(adminPort), '--admin-host', '127.0.0.1');
        else
          Object.assign(env, {
            TOLLGATE_ADMIN_PORT: String(adminPort),
            TOLLGATE_ADMIN_HOST: '127.0.0.1',
          });
        try {
          return { gateway: await startTollgate(args, { env, cwd: dir }), adminPort };
        } catch (error: unknown) {
          if (attempt < 3 && String(error).includes('EADDRINUSE')) return start(attempt + 1);
          throw error;
        }
      };
      const { gateway, adminPort } = await start();
      try {
        const adminUrl = `http://127.0.0.1:${adminPort}`;
        const pub = adminClient(gateway.url, MASTER_KEY);
        const admin = adminClient(adminUrl, MASTER_KEY);
        await assertAdminHidden(pub, gateway.url);
        const made = await admin.post('/key/generate', {});
        assert.equal(made.status, 200, JSON.stringify(made.body));
        assert.equal((await pub.chat('gpt-4o-mini', made.body.key)).status, 200);
        assert.deepEqual(await admin.chat('gpt-4o-mini'), NOT_FOUND);
        assert.equal((await raw(`${adminUrl}/health/liveliness`)).status, 200);
        assert.match(gateway.logs(), /admin API listening on http:\/\/127\.0\.0\.1:/);
      } finally {
        assert.equal(await gateway.stop(), 0);
      }
    });
  }
});
