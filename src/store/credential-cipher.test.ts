import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialCipher, DecryptionError, isSealed } from './credential-cipher.js';

describe('CredentialCipher', () => {
  const cipher = new CredentialCipher('salt-key-one');

  it('seals every param but the model name, with a fresh nonce each time, and opens them again', () => {
    const params = { model: 'openai/gpt-4o', api_key: 'sk-live-123', rpm: 10, headers: { a: 'b' } };
    const sealed = cipher.sealParams(params);
    assert.equal(sealed.model, 'openai/gpt-4o');
    for (const key of ['api_key', 'rpm', 'headers']) {
      assert.ok(typeof sealed[key] === 'string' && isSealed(sealed[key]), key);
    }
    assert.doesNotMatch(JSON.stringify(sealed), /sk-live-123/);
    assert.notEqual(cipher.encrypt('same'), cipher.encrypt('same'));
    assert.deepEqual(cipher.openParams(sealed), params);
  });

  it('refuses a value sealed with another key, or altered', () => {
    const sealed = cipher.encrypt('sk-live-123');
    assert.throws(() => new CredentialCipher('salt-key-two').decrypt(sealed), DecryptionError);
    const [prefix, nonce, body, tag] = sealed.split(':') as [string, string, string, string];
    const flipped = `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`;
    assert.throws(() => cipher.decrypt([prefix, nonce, flipped, tag].join(':')), DecryptionError);
    assert.throws(() => new CredentialCipher(undefined).decrypt(sealed), DecryptionError);
  });
});
