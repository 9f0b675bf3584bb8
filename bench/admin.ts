// Admin API throughput: `/key/generate` per second against the built gateway on a fresh SQLite
// file (or PostgreSQL with --postgres URL), a closed loop of concurrent callers with the master
// key. Prints the rate and latency percentiles; the target is ≥ 1,000 keys/s on SQLite.
//
//   npm run bench:admin -- [--requests 5000] [--concurrency 16] [--postgres postgresql://…]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { createPostgresDatabase, type BenchDatabase } from './bench-database.js';
import { findFreePort } from './free-port.js';
import { percentile } from './stats.js';

const MASTER_KEY = 'sk-bench-admin';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    postgres: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'npm run bench:admin -- [--requests N] [--concurrency C] [--postgres URL]\n' +
      '  /key/generate throughput of dist/main.js on a fresh SQLite file (or PostgreSQL).\n',
  );
  process.exit(0);
}

const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const workDir = mkdtempSync(join(tmpdir(), 'tollgate-admin-bench-'));
let database: BenchDatabase | undefined;
const databaseUrl = values.postgres
  ? (database = await createPostgresDatabase(values.postgres)).url
  : `sqlite:${join(workDir, 'bench.db')}`;
const configPath = join(workDir, 'config.yaml');
writeFileSync(configPath, stringify({ general_settings: { master_key: MASTER_KEY } }));
const port = await findFreePort();
const gateway = spawn(
  process.execPath,
  ['dist/main.js', '--config', configPath, '--port', String(port), '--host', '127.0.0.1'],
  { env: { ...process.env, DATABASE_URL: databaseUrl, LITELLM_LOG: 'ERROR' }, stdio: 'inherit' },
);
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });

try {
  await waitReady();
  // Warm up the connection pool, the JIT and the store.
  await run(200);
  const started = performance.now();
  const latencies = (await run(requests)).sort((a, b) => a - b);
  const seconds = (performance.now() - started) / 1000;
  const store = values.postgres ? 'PostgreSQL' : 'SQLite';
  process.stdout.write(
    `/key/generate on ${store}: ${Math.round(requests / seconds)} keys/s ` +
      `(${requests} requests, ${concurrency} concurrent); ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms\n`,
  );
} finally {
  await pool.close();
  gateway.kill('SIGTERM');
  await new Promise((resolve) => gateway.once('exit', resolve));
  await database?.drop();
  rmSync(workDir, { recursive: true, force: true });
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await pool.request({ path: '/health/readiness', method: 'GET' });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway did not become ready within 60 s');
}

async function run(count: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const start = performance.now();
      const res = await pool.request({
        path: '/key/generate',
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          models: ['gpt-4o-mini'],
          max_budget: 10,
          metadata: { bench: true },
        }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}
