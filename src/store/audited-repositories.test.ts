import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyRecord } from '../../test/helpers/records.js';
import { testDatabases } from '../../test/helpers/databases.js';
import { auditActorOf, redactSecrets } from './audited-repositories.js';

test('the audit log keeps key ids and shortens raw keys; secrets are redacted at any depth', () => {
  assert.deepEqual(
    redactSecrets({
      token: 'a'.repeat(64),
      key_name: 'sk-...abcd',
      password: 'hunter2',
      password_hash: 'scrypt$...',
      metadata: { note: 'sk-1234567890wxyz', nested: [{ api_key: 'x', fine: 1 }] },
      litellm_params: { aws_secret_access_key: 'y', model: 'gpt' },
      cleared: { client_secret: null },
    }),
    {
      token: 'a'.repeat(64),
      key_name: 'sk-...abcd',
      password: '[redacted]',
      password_hash: '[redacted]',
      metadata: { note: 'sk-...wxyz', nested: [{ api_key: '[redacted]', fine: 1 }] },
      litellm_params: { aws_secret_access_key: '[redacted]', model: 'gpt' },
      cleared: { client_secret: null },
    },
  );
});

test('only the repositories bound to an actor write audit rows, naming that actor', async () => {
  const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');
  assert.ok(sqlite);
  const { store, close } = await sqlite.open();
  try {
    const admin = store.auditedBy(auditActorOf({ userId: 'admin-1', keyHash: 'f'.repeat(64) }));
    await admin.keys.create(keyRecord({ token: 'a'.repeat(64) }));
    // What the request path and the background jobs use: the same rows, no audit entry.
    await store.keys.create(keyRecord({ token: 'b'.repeat(64) }));
    await store.keys.update('a'.repeat(64), { spend: 1 });

    const { entries } = await store.audit.list({ page: 1, size: 10 });
    assert.deepEqual(
      entries.map((e) => [e.action, e.object_id, e.changed_by, e.changed_by_api_key]),
      [['created', 'a'.repeat(64), 'admin-1', 'f'.repeat(64)]],
    );
    assert.equal((await store.keys.findByHashes(['a'.repeat(64), 'b'.repeat(64)])).length, 2);
  } finally {
    await close();
  }
});
