import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nestedDeeperThan } from './body-depth.js';

const nest = (depth: number): unknown =>
  JSON.parse(`${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`);

describe('nestedDeeperThan', () => {
  it('counts objects and arrays as levels, not scalars', () => {
    assert.equal(nestedDeeperThan({ a: 1 }, 1), false);
    assert.equal(nestedDeeperThan({ a: { b: 1 } }, 1), true);
    assert.equal(nestedDeeperThan([[['x']]], 3), false);
    assert.equal(nestedDeeperThan([[['x']]], 2), true);
    assert.equal(nestedDeeperThan('text', 0), false);
  });

  it('walks a body far deeper than the stack allows without overflowing', () => {
    assert.equal(nestedDeeperThan(nest(50_000), 100), true);
    assert.equal(nestedDeeperThan(nest(50), 100), false);
  });
});
