import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { v8TuningFlags } from './v8-tuning.js';

describe('V8 settings of the gateway process', () => {
  it('sets the heap growth when node was given none', () => {
    assert.deepEqual(v8TuningFlags([]), ['--heap-growing-percent=30']);
    assert.deepEqual(v8TuningFlags(['--max-semi-space-size=8', '--enable-source-maps']), [
      '--heap-growing-percent=30',
    ]);
  });

  it('leaves each setting to the operator who gave one, in either spelling', () => {
    assert.deepEqual(v8TuningFlags(['--heap-growing-percent=80']), []);
    assert.deepEqual(v8TuningFlags(['--max-old-space-size=512', '--heap_growing_percent=10']), []);
  });
});
