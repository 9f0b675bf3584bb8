import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newCustomer, type LoadedCustomer } from '../store/customer-repository.js';
import { BlockedCustomers } from './blocked-customers.js';

function fakeStore(rows: Record<string, boolean>) {
  let lookups = 0;
  return {
    get lookups() {
      return lookups;
    },
    findWithBudget: async (id: string): Promise<LoadedCustomer | undefined> => {
      lookups += 1;
      const blocked = rows[id];
      return blocked === undefined ? undefined : { ...newCustomer(id, ''), blocked, budget: null };
    },
  };
}

describe('blocked customers', () => {
  test('are looked up once, then answered from the cache until it expires', async () => {
    let now = 0;
    const store = fakeStore({ bad: true, good: false });
    const cache = new BlockedCustomers(store, { ttlMs: 1000, now: () => now });
    assert.equal(cache.cached('bad'), undefined);
    assert.equal(await cache.isBlocked('bad'), true);
    assert.equal(await cache.isBlocked('good'), false);
    assert.equal(await cache.isBlocked('unknown'), false);
    assert.equal(store.lookups, 3);
    assert.equal(cache.cached('bad'), true);
    assert.equal(cache.cached('unknown'), false, 'absence is cached too');
    await cache.isBlocked('bad');
    assert.equal(store.lookups, 3);
    now = 1000;
    assert.equal(cache.cached('bad'), undefined);
    await cache.isBlocked('bad');
    assert.equal(store.lookups, 4);
  });

  test('while the database cannot be read, a customer read before keeps its last answer', async () => {
    let now = 0;
    let down = false;
    const store = fakeStore({ bad: true, good: false });
    const cache = new BlockedCustomers(
      {
        findWithBudget: (id) =>
          down ? Promise.reject(new Error('database down')) : store.findWithBudget(id),
      },
      { ttlMs: 1000, now: () => now },
    );
    assert.equal(await cache.isBlocked('bad'), true);
    assert.equal(await cache.isBlocked('good'), false);
    down = true;
    now = 5000;
    assert.equal(await cache.isBlocked('bad'), true, 'still blocked');
    assert.equal(await cache.isBlocked('good'), false, 'still served');
    assert.equal(cache.cachedRecord('good')?.user_id, 'good', 'its budget still known');
    await assert.rejects(cache.isBlocked('never-read'), /database down/);
    down = false;
    now = 6000;
    await cache.isBlocked('good');
    assert.equal(store.lookups, 3, 'read again once the database answers');
  });

  test('forget a customer the moment it changes, and keep at most maxEntries', async () => {
    const rows: Record<string, boolean> = { c: false };
    const cache = new BlockedCustomers(fakeStore(rows), { maxEntries: 2 });
    assert.equal(await cache.isBlocked('c'), false);
    rows.c = true;
    cache.customerChanged('c');
    assert.equal(await cache.isBlocked('c'), true);
    await cache.isBlocked('x');
    await cache.isBlocked('y');
    assert.equal(cache.cached('c'), undefined, 'the oldest entry made room');
    assert.equal(cache.cached('y'), false);
  });
});
