/**
 * The /key/* admin API over HTTP against a real gateway, on every database: LiteLLM's fields,
 * statuses and messages (conformance cases 1, 14–35, 54, 61), who may do what, and that a
 * rejected request changes no row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';

const CONFIG = {
  model_list: [
    { model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } },
    { model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

const KEY_FORMAT = /^sk-[A-Za-z0-9_-]{22}$/;

for (const database of await testDatabases()) {
  describe(`/key/* on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    /** Raw keys of seeded users, by user id. */
    const keyOf: Record<string, string> = {};

    before(async () => {
      opened = await database.open();
      const { users, teams } = opened.store;
      for (const [id, role] of [
        ['alice', 'internal_user'],
        ['bob', 'internal_user'],
        ['viewer', 'proxy_admin_viewer'],
        ['iuv', 'internal_user_viewer'],
        ['old-admin', 'admin'],
      ] as const) {
        await users.create(userRecord({ user_id: id, user_role: role }));
      }
      await teams.create(teamRecord({ team_id: 'red' }));
      await teams.create(teamRecord({ team_id: 'blue' }));
      await teams.addMember(memberRecord({ team_id: 'red', user_id: 'alice' }));
      gateway = await startGateway(CONFIG, { store: opened.store });
      api = adminClient(gateway.url, MASTER_KEY);
      for (const id of ['alice', 'bob', 'viewer', 'iuv', 'old-admin']) {
        const { status, body } = await api.post('/key/generate', { user_id: id });
        assert.equal(status, 200);
        keyOf[id] = body.key;
      }
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    describe('POST /key/generate', () => {
      it('(case 1) returns sk- + 22 characters once; only its SHA-256 is stored', async () => {
        const { status, body } = await api.post('/key/generate', {});
        assert.equal(status, 200);
        assert.match(body.key, KEY_FORMAT);
        assert.equal(body.token, sha256(body.key));
        assert.equal(body.token_id, body.token);
        assert.equal(body.key_name, `sk-...${body.key.slice(-4)}`);
        assert.equal(body.expires, null);
        assert.equal(body.created_by, 'default_user_id');
        const row = await opened.store.keys.findByHash(body.token);
        assert.ok(row);
        assert.ok(!JSON.stringify(row).includes(body.key), 'the raw key is stored nowhere');
        const again = await api.post('/key/generate', {});
        assert.notEqual(again.body.key, body.key);
      });

      it('stores and echoes every field of the contract', async () => {
        const request = {
          key_alias: 'everything',
          duration: '30d',
          models: ['gpt-4o-mini', 'openai/*'],
          aliases: { fast: 'gpt-4o-mini' },
          config: { temperature: 0.1 },
          spend: 1.5,
          max_budget: 100,
          budget_duration: '1mo',
          soft_budget: 80,
          user_id: 'alice',
          team_id: 'red',
          max_parallel_requests: 4,
          tpm_limit: 100000,
          rpm_limit: 60,
          metadata: { project: 'p1' },
          tags: ['prod'],
          blocked: false,
          permissions: { pii_masking: true },
          key_type: 'default',
          allowed_routes: ['llm_api_routes'],
          model_max_budget: { 'gpt-4o': { budget_limit: 1, time_period: '1d' } },
        };
        const before = Date.now();
        const { status, body } = await api.post('/key/generate', request);
        assert.equal(status, 200);
        const { duration: _d, ...stored } = request;
        for (const [field, value] of Object.entries(stored)) {
          assert.deepEqual(body[field], value, `generate echoes ${field}`);
        }
        assert.equal(body.duration, '30d');
        const expires = Date.parse(body.expires);
        assert.ok(Math.abs(expires - (before + 30 * 86_400_000)) < 10_000, body.expires);
        assert.ok(Date.parse(body.budget_reset_at) > before + 27 * 86_400_000);
        const info = await api.get(`/key/info?key=${body.key}`);
        for (const [field, value] of Object.entries(stored)) {
          assert.deepEqual(info.body.info[field], value, `info shows ${field}`);
        }
        assert.equal(info.body.info.expires, body.expires);
      });

      it('(case 23) a custom key must start with sk-; one that does works', async () => {
        const bad = await api.post('/key/generate', { key: 'abcd1234' });
        assert.equal(bad.status, 400);
        assert.equal(
          bad.body.error.message,
          "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****1234",
        );
        const good = await api.post('/key/generate', { key: 'sk-my-own-custom-key-1' });
        assert.equal(good.status, 200);
        assert.equal(good.body.key, 'sk-my-own-custom-key-1');
        assert.equal(good.body.key_name, 'sk-...ey-1');
        assert.equal((await api.chat('gpt-4o-mini', 'sk-my-own-custom-key-1')).status, 200);
        const dup = await api.post('/key/generate', { key: 'sk-my-own-custom-key-1' });
        assert.equal(dup.status, 400);
      });

      it('(case 24) a second key with the same alias: 400', async () => {
        assert.equal((await api.post('/key/generate', { key_alias: 'twice' })).status, 200);
        const second = await api.post('/key/generate', { key_alias: 'twice' });
        assert.equal(second.status, 400);
        assert.equal(
          second.body.error.message,
          "Key with alias 'twice' already exists. Unique key aliases across all keys are required.",
        );
      });

      it('(case 25) negative max_budget or soft_budget: 400; "" means no budget', async () => {
        const neg = await api.post('/key/generate', { max_budget: -1 });
        assert.equal(neg.status, 400);
        assert.equal(neg.body.error.message, 'max_budget cannot be negative. Received: -1');
        const soft = await api.post('/key/generate', { soft_budget: -0.5 });
        assert.equal(soft.body.error.message, 'soft_budget cannot be negative. Received: -0.5');
        const empty = await api.post('/key/generate', { max_budget: '' });
        assert.equal(empty.status, 200);
        assert.equal(empty.body.max_budget, null);
      });

      it('a malformed body: 422 naming the field, and no key is created', async () => {
        const { total: before } = await opened.store.keys.list({ page: 1, size: 1 });
        for (const [body, field] of [
          [{ models: 'gpt-4o' }, 'models'],
          [{ tpm_limit: -5 }, 'tpm_limit'],
          [{ max_budget: 'lots' }, 'max_budget'],
          [{ metadata: [1] }, 'metadata'],
          [{ key_type: 'superuser' }, 'key_type'],
          [{ aliases: { a: 1 } }, 'aliases.a'],
        ] as const) {
          const { status, body: error } = await api.post('/key/generate', body);
          assert.equal(status, 422, JSON.stringify(body));
          assert.equal(error.error.param, field);
          assert.ok(error.error.message.startsWith(`${field}: `), error.error.message);
        }
        const bad = await api.post('/key/generate', { duration: 'forever' });
        assert.equal(bad.status, 400);
        assert.equal(bad.body.error.message, 'Invalid duration format, passed duration: forever');
        const noUnit = await api.post('/key/generate', { budget_duration: '30' });
        assert.equal(noUnit.body.error.message, 'Unsupported duration unit, passed duration: 30');
        const { total: afterwards } = await opened.store.keys.list({ page: 1, size: 1 });
        assert.equal(afterwards, before);
      });

      it('reads the duration words users write', async () => {
        const { body } = await api.post('/key/generate', { duration: 'daily' });
        assert.ok(Math.abs(Date.parse(body.expires) - Date.now() - 86_400_000) < 10_000);
      });

      it('key_type limits a new key to its routes', async () => {
        const { body } = await api.post('/key/generate', { key_type: 'read_only' });
        assert.deepEqual(body.allowed_routes, ['info_routes']);
        assert.equal((await api.chat('gpt-4o-mini', body.key)).status, 403);
        assert.equal((await api.get('/key/info', body.key)).status, 200);
      });

      it('(case 22) an internal user creates keys for itself only', async () => {
        const other = await api.post('/key/generate', { user_id: 'someone-else' }, keyOf.alice);
        assert.equal(other.status, 403);
        assert.equal(
          other.body.error.message,
          'User can only create keys for themselves. Got user_id=someone-else, Your ID=alice',
        );
        const own = await api.post('/key/generate', {}, keyOf.alice);
        assert.equal(own.status, 200);
        assert.equal(own.body.user_id, 'alice', 'an internal user’s key is its own');
        assert.equal(own.body.created_by, 'alice');
      });

      it('team keys: the team must exist, and a non-admin must be in it', async () => {
        const missing = await api.post('/key/generate', { team_id: 'no-such-team' });
        assert.equal(missing.status, 400);
        assert.equal(
          missing.body.error.message,
          'Unable to find team object in database. Team ID: no-such-team',
        );
        const outsider = await api.post('/key/generate', { team_id: 'blue' }, keyOf.alice);
        assert.equal(outsider.status, 400);
        assert.equal(outsider.body.error.message, 'User=alice not assigned to team=blue');
        const member = await api.post('/key/generate', { team_id: 'red' }, keyOf.alice);
        assert.equal(member.status, 200);
        assert.equal(member.body.team_id, 'red');
      });

      it('only admins set spend or blocked', async () => {
        for (const body of [{ spend: -100 }, { blocked: false }]) {
          const r = await api.post('/key/generate', body, keyOf.alice);
          assert.equal(r.status, 403, JSON.stringify(body));
        }
      });
    });

    describe('GET /key/info', () => {
      it('(case 18, 20) by raw key or hash: {key, info}, without the hash in info', async () => {
        const { body: made } = await api.post('/key/generate', {
          metadata: { team: 't', project: 'p' },
        });
        const byKey = await api.get(`/key/info?key=${made.key}`);
        assert.equal(byKey.status, 200);
        assert.equal(byKey.body.key, made.key);
        assert.deepEqual(byKey.body.info.metadata, { team: 't', project: 'p' });
        assert.equal(byKey.body.info.max_parallel_requests, null);
        assert.ok(!('token' in byKey.body.info));
        assert.ok(!JSON.stringify(byKey.body.info).includes(made.token));
        const byHash = await api.get(`/key/info?key=${made.token}`);
        assert.deepEqual(byHash.body.info, byKey.body.info);
      });

      it("without a key, the caller's own key", async () => {
        const { status, body } = await api.get('/key/info', keyOf.alice);
        assert.equal(status, 200);
        assert.equal(body.info.user_id, 'alice');
        assert.equal(body.key, sha256(keyOf.alice ?? ''));
      });

      it('(case 21) an internal user may not read another user’s key: 403', async () => {
        const { status, body } = await api.get(`/key/info?key=${keyOf.bob}`, keyOf.alice);
        assert.equal(status, 403);
        assert.equal(
          body.error.message,
          "You are not allowed to access this key's info. Your role=internal_user",
        );
      });

      it('viewers read every key; a team member reads the team’s keys', async () => {
        assert.equal((await api.get(`/key/info?key=${keyOf.bob}`, keyOf.viewer)).status, 200);
        const { body: teamKey } = await api.post('/key/generate', { team_id: 'red' });
        assert.equal((await api.get(`/key/info?key=${teamKey.key}`, keyOf.alice)).status, 200);
        assert.equal((await api.get(`/key/info?key=${teamKey.key}`, keyOf.bob)).status, 403);
      });

      it('an unknown key: 404', async () => {
        const { status, body } = await api.get('/key/info?key=sk-does-not-exist');
        assert.equal(status, 404);
        assert.equal(body.error.message, 'Key not found in database');
      });
    });

    describe('POST /key/update', () => {
      it('(case 19) changes only what it names; budget_duration sets budget_reset_at', async () => {
        const { body: made } = await api.post('/key/generate', { models: ['gpt-4o'] });
        const first = await api.post('/key/update', {
          key: made.key,
          models: ['gpt-4o-mini', 'gpt-4o'],
          budget_duration: '1mo',
          max_budget: 100,
        });
        assert.equal(first.status, 200);
        assert.equal(first.body.key, made.key);
        assert.deepEqual(first.body.models, ['gpt-4o-mini', 'gpt-4o']);
        await api.post('/key/update', { key: made.key, tpm_limit: 1000 });
        const { body } = await api.get(`/key/info?key=${made.key}`);
        assert.deepEqual(body.info.models, ['gpt-4o-mini', 'gpt-4o']);
        assert.equal(body.info.max_budget, 100);
        assert.equal(body.info.tpm_limit, 1000);
        const resetIn = Date.parse(body.info.budget_reset_at) - Date.now();
        assert.ok(
          resetIn > 27 * 86_400_000 && resetIn < 32 * 86_400_000,
          body.info.budget_reset_at,
        );
      });

      it('null clears a setting; duration "-1" or null means never expires', async () => {
        const { body: made } = await api.post('/key/generate', { duration: '1h', max_budget: 5 });
        assert.notEqual(made.expires, null);
        const cleared = await api.post('/key/update', {
          key: made.token,
          duration: '-1',
          max_budget: null,
        });
        assert.equal(cleared.body.expires, null);
        assert.equal(cleared.body.max_budget, null);
        const renewed = await api.post('/key/update', { key: made.token, duration: '2h' });
        assert.ok(Math.abs(Date.parse(renewed.body.expires) - Date.now() - 7_200_000) < 10_000);
      });

      it('applies at once on the request path (models narrowed)', async () => {
        const { body: made } = await api.post('/key/generate', {});
        assert.equal((await api.chat('gpt-4o', made.key)).status, 200);
        await api.post('/key/update', { key: made.key, models: ['gpt-4o-mini'] });
        const refused = await api.chat('gpt-4o', made.key);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error.type, 'key_model_access_denied');
      });

      it('refuses what the caller may not do, and changes nothing then', async () => {
        const { body: mine } = await api.post('/key/generate', { models: ['gpt-4o'] }, keyOf.alice);
        await api.post('/key/generate', { key_alias: 'taken-alias' });
        const snapshot = await opened.store.keys.findByHash(mine.token);
        const cases: [unknown, string, number, string][] = [
          [
            { key: keyOf.bob, models: [] },
            keyOf.alice ?? '',
            403,
            'You are not authorized to update this key',
          ],
          [
            { key: mine.key, user_id: 'bob' },
            keyOf.alice ?? '',
            403,
            `User=alice is not allowed to update key=${mine.token} to belong to user=bob`,
          ],
          [
            { key: mine.key, spend: 0 },
            keyOf.alice ?? '',
            403,
            'Only proxy admins can set spend on a key',
          ],
          [
            { key: mine.key, blocked: false },
            keyOf.alice ?? '',
            403,
            'Only proxy admins can set blocked on a key',
          ],
          [
            { key: mine.key, models: [], key_alias: 'taken-alias' },
            MASTER_KEY,
            400,
            "Key with alias 'taken-alias' already exists. Unique key aliases across all keys are required.",
          ],
          [
            { key: mine.key, team_id: 'blue' },
            keyOf.alice ?? '',
            400,
            'User=alice not assigned to team=blue',
          ],
          [{ key: 'sk-unknown-key', models: [] }, MASTER_KEY, 404, 'Key not found'],
        ];
        for (const [body, caller, status, message] of cases) {
          const r = await api.post('/key/update', body, caller);
          assert.equal(r.status, status, JSON.stringify(body));
          assert.equal(r.body.error.message, message);
        }
        assert.deepEqual(await opened.store.keys.findByHash(mine.token), snapshot);
        const missingKey = await api.post('/key/update', { models: [] });
        assert.equal(missingKey.status, 422);
        assert.equal(missingKey.body.error.param, 'key');
      });

      it('an internal user updates its own key', async () => {
        const { body: mine } = await api.post('/key/generate', {}, keyOf.alice);
        const r = await api.post(
          '/key/update',
          { key: mine.key, key_alias: 'alice-renamed' },
          keyOf.alice,
        );
        assert.equal(r.status, 200);
        assert.equal(r.body.key_alias, 'alice-renamed');
        assert.equal(r.body.updated_by, 'alice');
      });
    });

    describe('POST /key/delete', () => {
      it('(case 15) deletes by key; the key stops working at once', async () => {
        const { body: made } = await api.post('/key/generate', {});
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200);
        const r = await api.post('/key/delete', { keys: [made.key] });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { deleted_keys: [made.key] });
        const after = await api.chat('gpt-4o-mini', made.key);
        assert.equal(after.status, 401);
        assert.match(after.body.error.message, /^Authentication Error/);
      });

      it('deletes by alias and by hash', async () => {
        const { body: a } = await api.post('/key/generate', { key_alias: 'del-a' });
        const { body: b } = await api.post('/key/generate', {});
        assert.deepEqual((await api.post('/key/delete', { key_aliases: ['del-a'] })).body, {
          deleted_keys: ['del-a'],
        });
        assert.equal((await api.post('/key/delete', { keys: [b.token] })).status, 200);
        assert.equal(await opened.store.keys.findByHash(a.token), undefined);
        assert.equal(await opened.store.keys.findByHash(b.token), undefined);
      });

      it('(case 16, 17) unknown keys: 404; neither list: 422; nothing deleted on a partial miss', async () => {
        const none = await api.post('/key/delete', { keys: ['sk-doesnotexist'] });
        assert.equal(none.status, 404);
        assert.equal(none.body.error.message, 'No keys found');
        const empty = await api.post('/key/delete', {});
        assert.equal(empty.status, 422);
        assert.equal(
          empty.body.error.message,
          "At least one of 'keys' or 'key_aliases' must be provided.",
        );
        const { body: kept } = await api.post('/key/generate', {});
        const partial = await api.post('/key/delete', { keys: [kept.key, 'sk-doesnotexist'] });
        assert.equal(partial.status, 404);
        assert.ok(await opened.store.keys.findByHash(kept.token));
      });

      it("another user's key: 403, and it stays", async () => {
        const { body: bobs } = await api.post('/key/generate', {}, keyOf.bob);
        const r = await api.post('/key/delete', { keys: [bobs.key] }, keyOf.alice);
        assert.equal(r.status, 403);
        assert.equal(r.body.error.message, 'You are not authorized to delete this key');
        assert.ok(await opened.store.keys.findByHash(bobs.token));
        assert.equal((await api.post('/key/delete', { keys: [bobs.key] }, keyOf.bob)).status, 200);
      });
    });

    describe('GET /key/list', () => {
      it('(case 33) pages of hashes, or of objects with return_full_object', async () => {
        const page = await api.get('/key/list?page=1&size=2');
        assert.equal(page.status, 200);
        assert.equal(page.body.keys.length, 2);
        assert.ok(
          page.body.keys.every((k: unknown) => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k)),
        );
        assert.equal(page.body.current_page, 1);
        assert.equal(page.body.total_pages, Math.ceil(page.body.total_count / 2));
        const full = await api.get('/key/list?page=1&size=2&return_full_object=true');
        assert.deepEqual(
          full.body.keys.map((k: { token: string }) => k.token),
          page.body.keys,
        );
        assert.ok('models' in full.body.keys[0]);
      });

      it('filters by user, team, alias and hash', async () => {
        await api.post('/key/generate', {
          user_id: 'bob',
          key_alias: 'bob-listed',
          team_id: 'blue',
        });
        const bob = await api.get('/key/list?user_id=bob&return_full_object=true&size=100');
        assert.ok(bob.body.keys.length >= 2);
        assert.ok(bob.body.keys.every((k: { user_id: string }) => k.user_id === 'bob'));
        const blue = await api.get('/key/list?team_id=blue&return_full_object=true');
        assert.deepEqual(
          blue.body.keys.map((k: { key_alias: string }) => k.key_alias),
          ['bob-listed'],
        );
        const alias = await api.get('/key/list?key_alias=bob-listed');
        assert.equal(alias.body.total_count, 1);
        const hash = await api.get(`/key/list?key_hash=${alias.body.keys[0]}`);
        assert.deepEqual(hash.body.keys, alias.body.keys);
        const raw = await api.get(`/key/list?key_hash=${keyOf.alice}`);
        assert.deepEqual(raw.body.keys, [sha256(keyOf.alice ?? '')]);
      });

      it('an internal user sees its own keys only; (case 34) asking for another: 403', async () => {
        const own = await api.get('/key/list?return_full_object=true&size=100', keyOf.alice);
        assert.equal(own.status, 200);
        assert.ok(own.body.keys.length > 0);
        assert.ok(own.body.keys.every((k: { user_id: string }) => k.user_id === 'alice'));
        const other = await api.get('/key/list?user_id=bob', keyOf.alice);
        assert.equal(other.status, 403);
        assert.equal(
          other.body.error.message,
          "You are not authorized to check another user's keys",
        );
        const team = await api.get('/key/list?team_id=blue', keyOf.alice);
        assert.equal(team.body.error.message, "You are not authorized to check this team's keys");
      });

      it('size above 100 or below 1: 422 naming it', async () => {
        for (const q of ['size=101', 'size=0', 'page=0', 'page=x']) {
          const r = await api.get(`/key/list?${q}`);
          assert.equal(r.status, 422, q);
          assert.equal(r.body.error.param, q.split('=')[0]);
        }
      });

      it('(case 32) a key_type llm_api key may not list keys', async () => {
        const { body } = await api.post('/key/generate', { key_type: 'llm_api' });
        const r = await api.get('/key/list', body.key);
        assert.equal(r.status, 403);
        assert.equal(
          r.body.error.message,
          "Virtual key is not allowed to call this route. Only allowed to call routes: ['llm_api_routes']. Tried to call route: /key/list",
        );
        assert.equal((await api.chat('gpt-4o-mini', body.key)).status, 200);
      });
    });

    describe('POST /key/regenerate', () => {
      it('(case 35) a new secret for the same key: settings and spend kept, the old secret refused', async () => {
        const { body: made } = await api.post('/key/generate', {
          key_alias: 'rotate-me',
          models: ['gpt-4o-mini'],
          spend: 2.5,
        });
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200);
        const r = await api.post('/key/regenerate', { key: made.key });
        assert.equal(r.status, 200);
        assert.match(r.body.key, KEY_FORMAT);
        assert.notEqual(r.body.key, made.key);
        assert.equal(r.body.token_id, sha256(r.body.key));
        assert.equal(r.body.key_name, `sk-...${r.body.key.slice(-4)}`);
        assert.equal(r.body.key_alias, 'rotate-me');
        assert.equal(r.body.spend, 2.5);
        assert.deepEqual(r.body.models, ['gpt-4o-mini']);
        assert.equal(r.body.created_at, made.created_at);
        assert.equal((await api.chat('gpt-4o-mini', r.body.key)).status, 200);
        const old = await api.chat('gpt-4o-mini', made.key);
        assert.equal(old.status, 401);
        assert.equal(old.body.error.type, 'token_not_found_in_db');
      });

      it('with grace_period the old secret works until it ends; by path; with changes', async () => {
        const { body: made } = await api.post('/key/generate', {});
        const r = await api.post(`/key/${made.key}/regenerate`, {
          grace_period: '1h',
          max_budget: 9,
          new_key: 'sk-chosen-new-secret',
        });
        assert.equal(r.status, 200);
        assert.equal(r.body.key, 'sk-chosen-new-secret');
        assert.equal(r.body.max_budget, 9);
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200, 'old secret, in grace');
        assert.equal((await api.chat('gpt-4o-mini', 'sk-chosen-new-secret')).status, 200);
        assert.equal((await api.get('/key/info', made.key)).body.info.max_budget, 9);
        // Deleting the key ends the grace period too.
        await api.post('/key/delete', { keys: ['sk-chosen-new-secret'] });
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 401);
      });

      it('refusals: no key 400, unknown 404, another user’s 403, bad new_key 400', async () => {
        const none = await api.post('/key/regenerate', {});
        assert.equal(none.status, 400);
        assert.equal(none.body.error.message, 'No key passed in.');
        const unknown = await api.post('/key/regenerate', { key: 'sk-never-issued-1234' });
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error.message, 'Key sk-...1234 not found.');
        const theirs = await api.post('/key/regenerate', { key: keyOf.bob }, keyOf.alice);
        assert.equal(theirs.status, 403);
        assert.equal(theirs.body.error.message, 'You are not authorized to regenerate this key');
        const { body: made } = await api.post('/key/generate', {});
        const bad = await api.post('/key/regenerate', { key: made.key, new_key: 'plainsecret' });
        assert.equal(bad.status, 400);
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200, 'unchanged');
      });

      it('an internal user regenerates its own key', async () => {
        const { body: mine } = await api.post('/key/generate', {}, keyOf.alice);
        const r = await api.post('/key/regenerate', { key: mine.key }, keyOf.alice);
        assert.equal(r.status, 200);
        assert.equal(r.body.user_id, 'alice');
      });
    });

    describe('POST /key/block and /key/unblock', () => {
      it('(case 31) a blocked key is refused at once; unblocked it works again', async () => {
        const { body: made } = await api.post('/key/generate', {});
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200);
        const blocked = await api.post('/key/block', { key: made.key });
        assert.equal(blocked.status, 200);
        assert.equal(blocked.body.blocked, true);
        assert.equal(blocked.body.token, made.token);
        const refused = await api.chat('gpt-4o-mini', made.key);
        assert.equal(refused.status, 401);
        assert.equal(
          refused.body.error.message,
          "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
        );
        assert.equal((await api.post('/key/unblock', { key: made.token })).body.blocked, false);
        assert.equal((await api.chat('gpt-4o-mini', made.key)).status, 200);
        assert.equal((await api.post('/key/block', { key: 'sk-unknown' })).status, 404);
      });

      it('are for proxy admins only', async () => {
        const r = await api.post('/key/block', { key: keyOf.alice }, keyOf.alice);
        assert.equal(r.status, 401);
        assert.equal(
          r.body.error.message,
          'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/key/block. Your role=internal_user. Your user_id=alice',
        );
        assert.equal(
          (await api.post('/key/block', { key: keyOf.bob }, keyOf['old-admin'])).status,
          200,
        );
        await api.post('/key/unblock', { key: keyOf.bob });
      });
    });

    describe('roles', () => {
      it('(case 61) a proxy_admin_viewer reads keys but calls no LLM route and changes nothing', async () => {
        const chat = await api.chat('gpt-4o-mini', keyOf.viewer);
        assert.equal(chat.status, 403);
        assert.equal(
          chat.body.error.message,
          'user not allowed to access this OpenAI routes, role= proxy_admin_viewer',
        );
        const list = await api.get('/key/list', keyOf.viewer);
        assert.equal(list.status, 200);
        assert.ok(list.body.total_count > 5, 'a viewer lists every key');
        const write = await api.post('/key/generate', {}, keyOf.viewer);
        assert.equal(write.status, 403);
        assert.equal(
          write.body.error.message,
          'user not allowed to access this route, role= proxy_admin_viewer',
        );
      });

      it('an internal_user_viewer reads its own keys and calls models, but creates no key', async () => {
        assert.equal((await api.chat('gpt-4o-mini', keyOf.iuv)).status, 200);
        assert.equal((await api.get('/key/info', keyOf.iuv)).status, 200);
        const write = await api.post('/key/generate', {}, keyOf.iuv);
        assert.equal(write.status, 401);
        assert.match(
          write.body.error.message,
          /Only proxy admin can be used .* Your role=internal_user_viewer/,
        );
      });

      it('a legacy "admin" user acts as proxy_admin', async () => {
        const r = await api.post('/key/generate', { user_id: 'bob' }, keyOf['old-admin']);
        assert.equal(r.status, 200);
        assert.equal(r.body.user_id, 'bob');
      });

      it('(case 54) an internal_user’s key works on LLM routes and names its user', async () => {
        const chat = await api.chat('gpt-4o-mini', keyOf.alice);
        assert.equal(chat.status, 200);
        assert.equal((await api.get('/key/info', keyOf.alice)).body.info.user_id, 'alice');
      });
    });
  });
}
