import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { v8TuningFlags } from './v8-tuning.js';

describe('V8 settings of the gateway process', () => {
  it('sets the heap growth and baseline-only WebAssembly when node was given neither', () => {
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
    assert.deepEqual(v8TuningFlags(['--no-liftoff-only']), ['--heap-growing-percent=30']);
    assert.deepEqual(v8TuningFlags(['--wasm-tier-up']), ['--heap-growing-percent=30']);
    assert.deepEqual(v8TuningFlags(['--wasm_dynamic_tiering', '--heap-growing-percent=50']), []);
  });

  it('keeps undici on baseline WebAssembly code under load, so no optimizing compile adds to the peak', () => {
    // A child process: flags are process-wide. It applies the settings as the gateway does, then
    // makes undici parse enough responses for V8 to tier its HTTP parser up if it were allowed.
    const script = `
      import { tuneV8 } from ${JSON.stringify(new URL('./v8-tuning.ts', import.meta.url).href)};
      import { createServer } from 'node:http';
      import { getHeapStatistics } from 'node:v8';
      tuneV8(process.execArgv);
      const { Pool } = await import('undici');
      const server = createServer((req, res) => res.end('{"ok":true}'));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const pool = new Pool('http://127.0.0.1:' + server.address().port, { connections: 8 });
      for (let i = 0; i < 600; i++) {
        await Promise.all(Array.from({ length: 8 }, async () => (await pool.request({ path: '/', method: 'GET' })).body.text()));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      console.log(getHeapStatistics().peak_malloced_memory);
      await pool.close();
      server.close();
    `;
    const run = (extra: string[]) => {
      const child = spawnSync(
        process.execPath,
        [...extra, '--import', 'tsx', '--input-type=module', '-e', script],
        { encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(child.status, 0, child.stderr);
      return Number(child.stdout.trim());
    };
    const tuned = run([]);
    const tieredUp = run(['--no-liftoff-only']);
    assert.ok(
      tuned < tieredUp - 10 * 2 ** 20,
      `peak of V8's own allocations: ${tuned} bytes with the settings, ${tieredUp} without`,
    );
  });
});
