import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCallId } from './call-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 48-bit millisecond timestamp at the start of a UUIDv7. */
function millisecondsOf(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

test('call ids are UUIDv7 stamped with the current millisecond', () => {
  const before = Date.now();
  const id = newCallId();
  const after = Date.now();
  assert.match(id, UUID_V7);
  const stamped = millisecondsOf(id);
  assert.ok(stamped >= before && stamped <= after, `${stamped} not in [${before}, ${after}]`);
});

test('call ids are unique across many pool refills', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) ids.add(newCallId());
  assert.equal(ids.size, 20_000);
});

test('call ids made in later milliseconds sort after earlier ones', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(newCallId());
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.deepEqual([...ids].sort(), ids);
});
