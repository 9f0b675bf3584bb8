import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The CommonJS files of node_modules loaded once `module` has been imported, in a new process. */
function packagesLoadedBy(module: string): string[] {
  const path = fileURLToPath(new URL(module, import.meta.url));
  const script = `
    const { createRequire } = await import('node:module');
    await import(${JSON.stringify(path)});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify(loaded.filter((f) => f.includes('/node_modules/'))));`;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe('what the gateway loads at start', () => {
  it('loads database and Redis drivers only when a store or Redis is configured, AWS libraries only for Bedrock, and only the part of undici it uses', () => {
    const files = packagesLoadedBy('./app.ts');
    // Each is loaded by the code that opens that store or connection (~2-3 MB of heap apiece).
    for (const driver of [
      '/node_modules/pg/',
      '/node_modules/ioredis/',
      '/node_modules/better-sqlite3/',
    ]) {
      assert.deepEqual(
        files.filter((f) => f.includes(driver)),
        [],
        `${driver} is loaded by the app module`,
      );
    }
    // Bedrock's event-stream codec and its UTF-8 helpers (which bring @smithy/core, ~1.7 MB of
    // heap) are loaded by the first streamed Bedrock call.
    assert.deepEqual(
      files.filter((f) => f.includes('/node_modules/@smithy/')),
      [],
      'an AWS library is loaded by the app module',
    );
    assert.ok(
      files.some((f) => f.endsWith('/undici/lib/dispatcher/pool.js')),
      'the upstream pool',
    );
    assert.deepEqual(
      files.filter((f) => f.endsWith('/undici/index.js') || f.includes('/undici/lib/web/')),
      [],
      "undici's fetch, WebSocket and cache are not loaded",
    );
  });
});
