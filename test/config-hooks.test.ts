/**
 * The operator's hook modules (`general_settings.custom_key_generate`, `custom_auth`): small .mjs
 * files written next to a temporary config.yaml, loaded at start, on every database. Case 26,
 * custom auth replacing (or, in `auto` mode, preceding) the virtual-key lookup, and a start that
 * stops with a clear message when a module or function is missing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { createApp, type App } from '../src/app.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadHook } from '../src/config/load-hooks.js';
import { loadConfigFile } from '../src/config/load-config.js';
import { createLogger } from '../src/logger.js';
import type { Store } from '../src/store/store.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { teamRecord } from './helpers/records.js';
import { outputOf, runTollgate } from './helpers/run-tollgate.js';

const HOOKS = `
export async function custom_generate_key_fn(data) {
  if (data.team_id !== 'litellm-core-infra@gmail.com') {
    return { decision: false, message: 'This violates LiteLLM Proxy Rules. No team id provided.' };
  }
  return { decision: true };
}
export async function deny_without_message() {
  return { decision: false };
}
export async function user_api_key_auth(request, api_key) {
  if (api_key === 'sk-custom-good') {
    return { user_id: 'custom-user', user_role: 'internal_user', models: ['gpt-4o-mini'] };
  }
  if (api_key === 'sk-custom-echo') {
    return { user_id: request.method + ' ' + request.url + ' ' + typeof request.body };
  }
  if (request.headers['x-team-token'] === 'red') return { team_id: 'red', user_role: 'proxy_admin_viewer' };
  throw new Error('custom auth says no');
}
`;

const MODELS = [
  { model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } },
  { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
];

const dir = mkdtempSync(join(tmpdir(), 'tollgate-hooks-'));
writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
let configs = 0;

/** Writes config.yaml next to the hooks and starts a gateway on it, as `tollgate --config` does. */
async function startFromFile(
  generalSettings: Record<string, unknown>,
  store: Store,
): Promise<{ app: App; api: AdminClient; url: string }> {
  const path = join(dir, `config-${configs++}.yaml`);
  writeFileSync(
    path,
    stringify({
      model_list: MODELS,
      general_settings: { master_key: MASTER_KEY, ...generalSettings },
    }),
  );
  const config = loadConfigFile(path, { env: {} });
  const app = await createApp({ config, logger: createLogger('silent'), store });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return { app, api: adminClient(url, MASTER_KEY), url };
}

after(() => rmSync(dir, { recursive: true, force: true }));

for (const database of await testDatabases()) {
  describe(`config hooks on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    const apps: App[] = [];
    let url = '';
    const start = async (general: Record<string, unknown>) => {
      const started = await startFromFile(general, opened.store);
      apps.push(started.app);
      url = started.url;
      return started.api;
    };

    before(async () => {
      opened = await database.open();
      await opened.store.teams.create(teamRecord({ team_id: 'litellm-core-infra@gmail.com' }));
      await opened.store.teams.create(teamRecord({ team_id: 'red' }));
    });
    after(async () => {
      for (const app of apps) await app.close();
      await opened?.close();
    });

    describe('custom_key_generate', () => {
      it('(case 26) decision false → 403 with its message; true → the key is made', async () => {
        const api = await start({ custom_key_generate: 'hooks.custom_generate_key_fn' });
        const refused = await api.post('/key/generate', {});
        assert.equal(refused.status, 403);
        assert.equal(
          refused.body.error.message,
          'This violates LiteLLM Proxy Rules. No team id provided.',
        );
        const made = await api.post('/key/generate', { team_id: 'litellm-core-infra@gmail.com' });
        assert.equal(made.status, 200);
        assert.equal(made.body.team_id, 'litellm-core-infra@gmail.com');
      });

      it('without a message: "Authentication Failed - Custom Auth Rule"', async () => {
        const api = await start({ custom_key_generate: './hooks.mjs.deny_without_message' });
        const refused = await api.post('/key/generate', {});
        assert.equal(refused.status, 403);
        assert.equal(refused.body.error.message, 'Authentication Failed - Custom Auth Rule');
      });
    });

    describe('custom_auth', () => {
      it('replaces the virtual-key lookup; the master key still works', async () => {
        const api = await start({ custom_auth: 'hooks.user_api_key_auth' });
        const { body: made } = await api.post('/key/generate', {});
        assert.ok(made.key, 'the master key works');
        const virtual = await api.chat('gpt-4o-mini', made.key);
        assert.equal(virtual.status, 401, 'virtual keys go through the hook, which refuses');
        assert.equal(virtual.body.error.message, 'Authentication Error, custom auth says no');
        assert.equal(virtual.body.error.type, 'auth_error');
        const none = await api.chat('gpt-4o-mini', '');
        assert.equal(none.status, 401);

        assert.equal((await api.chat('gpt-4o-mini', 'sk-custom-good')).status, 200);
        const denied = await api.chat('gpt-4o', 'sk-custom-good');
        assert.equal(denied.status, 401);
        assert.equal(denied.body.error.type, 'key_model_access_denied');
        const models = await api.get('/v1/models', 'sk-custom-good');
        assert.deepEqual(
          models.body.data.map((m: { id: string }) => m.id),
          ['gpt-4o-mini'],
        );
      });

      it('the hook sees the method, url, body and headers; its role drives the route table', async () => {
        const api = await start({ custom_auth: 'hooks.user_api_key_auth' });
        const echo = await api.post('/key/generate', {}, 'sk-custom-echo');
        assert.equal(echo.status, 200);
        assert.equal(echo.body.user_id, 'POST /key/generate object');
        // A hook may read any header; here a team token makes a proxy_admin_viewer.
        const headers = { 'x-team-token': 'red', 'content-type': 'application/json' };
        const list = await fetch(`${url}/key/list`, { headers });
        assert.equal(list.status, 200);
        const chat = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        });
        assert.equal(chat.status, 403);
      });

      it('mode auto: the hook first, then virtual keys', async () => {
        const api = await start({
          custom_auth: 'hooks.user_api_key_auth',
          custom_auth_settings: { mode: 'auto' },
        });
        const { body: made } = await api.post('/key/generate', {});
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200);
        assert.equal((await api.chat('gpt-4o-mini', 'sk-custom-good')).status, 200);
        const unknown = await api.chat('gpt-4o-mini', 'sk-neither-1234');
        assert.equal(unknown.status, 401);
        assert.equal(unknown.body.error.type, 'token_not_found_in_db');
      });
    });
  });
}

describe('loading hooks', () => {
  it('a missing module or function stops the start, naming the setting', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { custom_auth: 'no_such_module.fn' },
        /general_settings\.custom_auth: cannot find module "no_such_module"/,
      ],
      [
        { custom_key_generate: 'hooks.not_there' },
        /general_settings\.custom_key_generate: module "hooks" has no exported function "not_there"/,
      ],
      [
        { custom_auth: 'nodot' },
        /general_settings\.custom_auth: "nodot" must be "module\.function"/,
      ],
    ];
    for (const [general, message] of cases) {
      const path = join(dir, `bad-${configs++}.yaml`);
      writeFileSync(path, stringify({ general_settings: { master_key: MASTER_KEY, ...general } }));
      const config = loadConfigFile(path, { env: {} });
      await assert.rejects(
        createApp({ config, logger: createLogger('silent') }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    }
  });

  it('`tollgate --config` with a missing hook exits 1 with the setting in the message', async () => {
    const path = join(dir, 'cli-missing-hook.yaml');
    writeFileSync(
      path,
      stringify({ general_settings: { master_key: MASTER_KEY, custom_auth: 'gone.fn' } }),
    );
    const { code, out } = await outputOf(
      runTollgate(['--config', path, '--no-database', '--port', '0', '--host', '127.0.0.1']),
    );
    assert.equal(code, 1, out);
    assert.match(out, /general_settings\.custom_auth: cannot find module "gone"/);
  });

  it('resolves from the config directory (dotted or relative) and plain package names', async () => {
    assert.equal(typeof (await loadHook('s', 'hooks.user_api_key_auth', dir)), 'function');
    assert.equal(typeof (await loadHook('s', './hooks.mjs.user_api_key_auth', dir)), 'function');
    assert.equal(typeof (await loadHook('s', 'yaml.parse', dir)), 'function');
    await assert.rejects(loadHook('s', 'hooks.user_api_key_auth', tmpdir()), ConfigError);
  });
});
