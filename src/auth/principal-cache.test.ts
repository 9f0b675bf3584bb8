import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PrincipalCache } from './principal-cache.js';
import type { Principal } from './principal.js';

function principal(keyHash: string, userId?: string, teamId?: string): Principal {
  return {
    kind: 'virtual_key',
    role: 'internal_user',
    keyHash,
    userId,
    teamId,
    allowedRoutes: [],
    canUseModel: () => true,
    modelAccessError: () => {
      throw new Error('unused');
    },
    resolveModelAlias: (m) => m,
  };
}

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PrincipalCache', () => {
  test('misses, then hits what was stored, until the TTL runs out', () => {
    const c = clock();
    const cache = new PrincipalCache({ ttlMs: 60_000, now: c.now });
    assert.equal(cache.get('h1'), undefined);
    const p = principal('h1');
    cache.set('h1', p);
    assert.equal(cache.get('h1'), p);
    c.advance(59_999);
    assert.equal(cache.get('h1'), p);
    c.advance(1);
    assert.equal(cache.get('h1'), undefined);
    assert.deepEqual(cache.size, { positive: 0, negative: 0 });
  });

  test('remembers hashes that matched nothing, as null', () => {
    const c = clock();
    const cache = new PrincipalCache({ ttlMs: 1000, now: c.now });
    cache.set('unknown', null);
    assert.equal(cache.get('unknown'), null);
    c.advance(1000);
    assert.equal(cache.get('unknown'), undefined);
  });

  test('an entry may end sooner than the TTL (a grace period that ends)', () => {
    const c = clock();
    const cache = new PrincipalCache({ ttlMs: 60_000, now: c.now });
    cache.set('old', principal('new'), c.now() + 5000);
    c.advance(4999);
    assert.ok(cache.get('old'));
    c.advance(1);
    assert.equal(cache.get('old'), undefined);
  });

  test('is bounded: the oldest entry goes first, and wrong keys cannot push valid ones out', () => {
    const cache = new PrincipalCache({ maxEntries: 3, maxNegativeEntries: 2 });
    for (const h of ['a', 'b', 'c', 'd']) cache.set(h, principal(h));
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b') && cache.get('d'));
    for (const h of ['x', 'y', 'z']) cache.set(h, null);
    assert.deepEqual(cache.size, { positive: 3, negative: 2 });
    assert.equal(cache.get('x'), undefined);
    assert.ok(cache.get('b'), 'valid keys survive a flood of wrong ones');
  });

  test('a key that changes is dropped under its own hash and under old secrets leading to it', () => {
    const cache = new PrincipalCache();
    const current = principal('current');
    cache.set('current', current);
    cache.set('old-secret', current);
    cache.set('other', principal('other'));
    cache.keyChanged('current');
    assert.equal(cache.get('current'), undefined);
    assert.equal(cache.get('old-secret'), undefined);
    assert.ok(cache.get('other'));
  });

  test('a new key replaces the negative entry of its hash', () => {
    const cache = new PrincipalCache();
    cache.set('fresh', null);
    cache.keyChanged('fresh');
    assert.equal(cache.get('fresh'), undefined);
    cache.set('fresh', null);
    cache.set('fresh', principal('fresh'));
    assert.ok(cache.get('fresh'));
    assert.deepEqual(cache.size, { positive: 1, negative: 0 });
  });

  test('user and team changes drop every key of that user or team', () => {
    const cache = new PrincipalCache();
    cache.set('k1', principal('k1', 'alice', 'red'));
    cache.set('k2', principal('k2', 'alice'));
    cache.set('k3', principal('k3', 'bob', 'red'));
    cache.set('k4', principal('k4', 'bob', 'blue'));
    cache.userChanged('alice');
    assert.deepEqual(
      ['k1', 'k2', 'k3', 'k4'].map((h) => cache.get(h) !== undefined),
      [false, false, true, true],
    );
    cache.teamChanged('red');
    assert.deepEqual(
      ['k3', 'k4'].map((h) => cache.get(h) !== undefined),
      [false, true],
    );
    cache.clear();
    assert.deepEqual(cache.size, { positive: 0, negative: 0 });
  });
});
