import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as undici from 'undici';
import { Pool, errors } from './undici-pool.js';

describe('undici-pool', () => {
  it('gives the same Pool and error classes as the undici package entry', () => {
    assert.equal(Pool, undici.Pool);
    assert.equal(errors, undici.errors);
    assert.equal(errors.RequestAbortedError, undici.errors.RequestAbortedError);
  });
});
