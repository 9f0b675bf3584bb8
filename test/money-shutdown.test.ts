/**
 * SIGTERM flushes the spend: the real `tollgate` command on a SQLite file, with a spend write
 * interval (`proxy_batch_write_at`) far longer than the test, so nothing is written before the
 * signal. Streams are in flight when it arrives: every one completes, the process exits cleanly
 * before its deadline, and the file then holds a spend log row per call served and the totals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/store/open-database.js';
import { adminClient } from './helpers/admin-client.js';
import { MASTER_KEY } from './helpers/gateway.js';
import { ledgerOf, MESSAGES, pricedModel, writeConfigFile } from './helpers/money-ledger.js';
import { startTollgate } from './helpers/run-tollgate.js';
import { cents } from './helpers/spend-entries.js';

const CONFIG = {
  model_list: [pricedModel({ mock_chunk_delay_ms: 60 })],
  general_settings: { master_key: MASTER_KEY, proxy_batch_write_at: 3600 },
};

describe('SIGTERM with calls in flight', () => {
  it('lets every accepted call finish, exits cleanly and writes all their spend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-shutdown-'));
    const file = join(dir, 'tollgate.db');
    try {
      const gateway = await startTollgate(
        ['--config', writeConfigFile(CONFIG), '--shutdown-timeout', '20'],
        { env: { DATABASE_URL: `sqlite:${file}` } },
      );
      const api = adminClient(gateway.url, MASTER_KEY);
      const user = await api.post('/user/new', { user_id: 'sigterm-user', auto_create_key: false });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      const generated = await api.post('/key/generate', { user_id: 'sigterm-user' });
      assert.equal(generated.status, 200, JSON.stringify(generated.body));
      const key = generated.body.key as string;

      // Once a stream's headers are here the call is accepted and running upstream.
      const streams = await Promise.all(
        Array.from({ length: 12 }, () => openStream(gateway.url, key)),
      );
      const callIds = streams.map((r) => r.headers.get('x-litellm-call-id'));
      const code = gateway.stop();
      const bodies = await Promise.all(streams.map((r) => r.text()));
      assert.equal(await code, 0, `a clean exit, before the deadline:\n${gateway.logs()}`);
      for (const body of bodies) assert.match(body, /data: \[DONE\]/, 'every stream completes');

      const database = await openDatabase(`sqlite:${file}`);
      try {
        const ledger = await ledgerOf(database, key);
        assert.deepEqual(
          ledger.rows.map((r) => r.requestId).sort(),
          callIds.sort(),
          'one spend log row per call served',
        );
        assert.ok(ledger.logSpend > 0);
        assert.equal(cents(ledger.keySpend), ledger.logSpend, 'key spend = sum of its log');
        assert.equal(
          cents(ledger.userSpend ?? NaN),
          ledger.logSpend,
          'user spend = sum of its log',
        );
      } finally {
        await database.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function openStream(url: string, key: string): Promise<Response> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'priced', messages: MESSAGES, stream: true }),
  });
  assert.equal(response.status, 200);
  return response;
}
