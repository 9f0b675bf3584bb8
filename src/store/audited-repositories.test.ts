import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactSecrets } from './audited-repositories.js';

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
