import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  test('are salted scrypt, never the password, and verify only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$[\w-]+\$[\w-]+$/);
    assert.notEqual(a, b, 'a new salt each time');
    assert.ok(!a.includes('correct'));
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('wrong horse battery', a), false);
    assert.equal(await verifyPassword('correct horse battery', 'sha256$x$y'), false);
  });
});
