/**
 * SQL injection probes on SQLite and PostgreSQL: through `Authorization` on every kind of route
 * (CVE-2026-42208: a fast 401, never a pg_sleep) and through every id field of the admin API
 * (CVE-2024-4890, CVE-2024-5225, CVE-2025-45809). Answers are 4xx or empty, tables intact, and
 * limits too large for the database's integer columns are refused instead of failing the write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { HOSTILE_STRINGS } from './helpers/zod-arbitrary.js';

const PROBES = [
  "' OR (SELECT pg_sleep(8)) IS NOT NULL --",
  "sk-' OR (SELECT pg_sleep(8)) IS NOT NULL --",
  "sk-'; DROP TABLE keys; --",
  "sk-1' UNION SELECT token FROM keys --",
  "sk-' OR '1'='1",
  ...HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e]+$/.test(s)),
];
/** pg_sleep(8) would take 8 s: a bound that only a probe reaching SQL can hit. */
const SLEEP_MS = 8_000;

for (const database of await testDatabases()) {
  describe(`SQL probes on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const counts = async () => {
      const { db } = opened.database;
      const rows = await Promise.all(
        (['keys', 'users', 'teams'] as const).map((t) =>
          db
            .selectFrom(t)
            .select((e) => e.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow(),
        ),
      );
      return rows.map((row) => Number(row.n));
    };

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(
        {
          model_list: [{ model_name: 'm', litellm_params: { model: 'mock/m' } }],
          general_settings: { master_key: MASTER_KEY },
        },
        { store: opened.store },
      );
      api = adminClient(gateway.url, MASTER_KEY);
      assert.equal((await api.post('/user/new', { user_id: 'u1' })).status, 200);
      assert.equal((await api.post('/team/new', { team_id: 't1' })).status, 200);
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    it('answers every probe in Authorization with a quick 401', async () => {
      const before = await counts();
      for (const probe of PROBES) {
        for (const [path, init] of [
          [
            '/v1/chat/completions',
            { method: 'POST', body: '{"model":"m","messages":[{"role":"user","content":"x"}]}' },
          ],
          ['/key/list', { method: 'GET' }],
          ['/user/new', { method: 'POST', body: '{}' }],
        ] as const) {
          for (const header of ['authorization', 'x-api-key', 'x-litellm-api-key']) {
            const started = performance.now();
            const response = await fetch(`${gateway.url}${path}`, {
              ...init,
              headers: {
                [header]: header === 'authorization' ? `Bearer ${probe}` : probe,
                'content-type': 'application/json',
              },
            });
            const text = await response.text();
            assert.equal(response.status, 401, `${header}: ${probe} on ${path}: ${text}`);
            assert.ok(performance.now() - started < SLEEP_MS, `${probe} reached the database`);
            assert.ok(!text.includes('pg_sleep') || text.includes('Received'), text);
          }
        }
      }
      assert.deepEqual(await counts(), before);
    });

    it('treats probes in every id field as ids that do not exist', async () => {
      const before = await counts();
      for (const probe of PROBES) {
        const q = encodeURIComponent(probe);
        for (const path of [
          `/key/info?key=${q}`,
          `/key/list?user_id=${q}&team_id=${q}&key_alias=${q}&key_hash=${q}`,
          `/user/info?user_id=${q}`,
          `/user/list?user_ids=${q}&team=${q}&user_email=${q}`,
          `/team/info?team_id=${q}`,
          `/team/list?user_id=${q}`,
          `/customer/info?end_user_id=${q}`,
          `/spend/logs?api_key=${q}&user_id=${q}&request_id=${q}`,
          `/global/spend/logs?api_key=${q}`,
          `/audit/logs?object_id=${q}&changed_by=${q}&changed_by_api_key=${q}&table_name=${q}`,
        ]) {
          const response = await api.get(path);
          assert.ok(response.status < 500, `${path}: ${response.status}`);
          if (response.status === 200)
            assert.ok(
              !JSON.stringify(response.body).includes('"u1"') || path.startsWith('/user/list'),
              path,
            );
        }
        for (const [path, body] of [
          ['/key/block', { key: probe }],
          ['/key/update', { key: probe, max_budget: 1 }],
          ['/key/delete', { keys: [probe], key_aliases: [probe] }],
          ['/user/update', { user_id: probe, max_budget: 1 }],
          ['/user/delete', { user_ids: [probe] }],
          ['/team/update', { team_id: probe, max_budget: 1 }],
          ['/team/member_add', { team_id: probe, member: { user_id: probe } }],
          ['/team/member_delete', { team_id: 't1', user_id: probe }],
          ['/team/delete', { team_ids: [probe] }],
          ['/model/delete', { id: probe }],
        ] as const) {
          const response = await api.post(path, body);
          assert.ok(
            response.status >= 400 && response.status < 500,
            `${path} ${probe}: ${response.status} ${JSON.stringify(response.body)}`,
          );
        }
      }
      assert.deepEqual(await counts(), before);
    });

    it('refuses limits the database cannot hold with a 4xx, never a failed write', async () => {
      for (const field of ['max_parallel_requests', 'rpm_limit', 'tpm_limit']) {
        for (const value of [2 ** 31, 2 ** 53 - 1]) {
          for (const path of ['/key/generate', '/team/new', '/user/new']) {
            const response = await api.post(path, { [field]: value });
            assert.ok(
              response.status < 500,
              `${path} ${field}=${value}: ${response.status} ${JSON.stringify(response.body)}`,
            );
          }
        }
      }
    });
  });
}
