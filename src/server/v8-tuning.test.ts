import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { v8TuningFlags } from './v8-tuning.js';

describe('V8 settings of the gateway process', () => {
  it('sets the heap growth and baseline WebAssembly code when node was given neither', () => {
    assert.deepEqual(v8TuningFlags([]), ['--heap-growing-percent=30', '--liftoff-only']);
    assert.deepEqual(v8TuningFlags(['--max-semi-space-size=8', '--enable-source-maps']), [
      '--heap-growing-percent=30',
      '--liftoff-only',
    ]);
  });

  it('leaves each setting to the operator who gave one, in either spelling', () => {
    assert.deepEqual(v8TuningFlags(['--heap-growing-percent=80']), ['--liftoff-only']);
    assert.deepEqual(v8TuningFlags(['--max-old-space-size=512', '--heap_growing_percent=10']), [
      '--liftoff-only',
    ]);
    for (const given of ['--no-liftoff-only', '--liftoff_only', '--no-liftoff']) {
      assert.deepEqual(v8TuningFlags([given]), ['--heap-growing-percent=30'], given);
    }
  });
});
