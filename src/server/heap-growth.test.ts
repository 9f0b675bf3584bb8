import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heapGrowthFlag } from './heap-growth.js';

describe('heap growth of the gateway process', () => {
  it('is set to 30% when node was given none', () => {
    assert.equal(heapGrowthFlag([]), '--heap-growing-percent=30');
    assert.equal(
      heapGrowthFlag(['--max-semi-space-size=8', '--enable-source-maps']),
      '--heap-growing-percent=30',
    );
  });

  it('is left to the operator who gave one, in either spelling', () => {
    assert.equal(heapGrowthFlag(['--heap-growing-percent=80']), undefined);
    assert.equal(
      heapGrowthFlag(['--max-old-space-size=512', '--heap_growing_percent=10']),
      undefined,
    );
  });
});
