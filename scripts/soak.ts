/**
 * The soak: a gateway on the full path (virtual key with a budget and rate limits, SQLite store,
 * pricing, spend log) driven at a fixed, sustainable rate for minutes, then a burst at three
 * times that rate against a key whose rpm_limit the burst exceeds. Reports per minute: requests,
 * errors, p50/p99 latency, and the gateway's RSS, heap and open handles; the burst's answers by
 * status. Exits 1 when the soak saw an error, the burst saw a 5xx, or the gateway died.
 *
 *   npm run soak -- --minutes 10 --rate 200 [--burst-seconds 30] [--stream]
 *
 * The gateway runs in a child process (this file with --gateway), so its memory and handles are
 * its own; the mock upstream (bench/mock-upstream.ts) and the load run in this process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { startMockUpstream } from '../bench/mock-upstream.js';
import { summarizeLatencies } from '../bench/stats.js';

const MASTER_KEY = 'sk-soak-master-key-0000000000';
const SAMPLE_MS = 5_000;

interface GatewaySample {
  kind: 'sample';
  rssMiB: number;
  heapMiB: number;
  handles: number;
}

// ---- the gateway (child process) ----

async function runGateway(upstreamPort: number): Promise<void> {
  const [{ createApp }, { buildConfig }, { createLogger }, { openDatabase }, { createStore }] =
    await Promise.all([
      import('../src/app.js'),
      import('../src/config/load-config.js'),
      import('../src/logger.js'),
      import('../src/store/open-database.js'),
      import('../src/store/store.js'),
    ]);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-soak-'));
  const store = createStore(await openDatabase(`sqlite:${join(dir, 'soak.db')}`));
  const config = buildConfig(
    {
      model_list: [
        {
          model_name: 'soak',
          litellm_params: {
            model: 'openai/soak',
            api_base: `http://127.0.0.1:${upstreamPort}/v1`,
            api_key: 'sk-upstream',
            input_cost_per_token: 0.000001,
            output_cost_per_token: 0.000002,
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    {},
  );
  const app = await createApp({ config, logger: createLogger('warn'), store });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.server.address() as AddressInfo;
  process.send?.({ kind: 'ready', port });
  const report = () => {
    const memory = process.memoryUsage();
    const sample: GatewaySample = {
      kind: 'sample',
      rssMiB: memory.rss / 2 ** 20,
      heapMiB: memory.heapUsed / 2 ** 20,
      handles: process.getActiveResourcesInfo().length,
    };
    process.send?.(sample);
  };
  const timer = setInterval(report, SAMPLE_MS);
  process.on('disconnect', () => {
    clearInterval(timer);
    void app.close().then(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

// ---- the load (parent process) ----

interface Window {
  sent: number;
  statuses: Map<string, number>;
  latencies: number[];
}

const newWindow = (): Window => ({ sent: 0, statuses: new Map(), latencies: [] });

function count(window: Window, status: string): void {
  window.statuses.set(status, (window.statuses.get(status) ?? 0) + 1);
}

/** Sends `rate` requests a second for `seconds`, open loop (a slow answer never delays the next). */
async function drive(
  send: () => Promise<string>,
  options: { rate: number; seconds: number; windowMs: number; onWindow: (w: Window) => void },
): Promise<void> {
  const started = performance.now();
  const end = started + options.seconds * 1000;
  let window = newWindow();
  let windowEnd = started + options.windowMs;
  let due = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() < end) {
    const now = performance.now();
    const target = Math.floor(((now - started) / 1000) * options.rate);
    for (; due < target; due++) {
      const into = window;
      into.sent++;
      const at = performance.now();
      const call = send()
        .then((status) => {
          count(into, status);
          if (status === '200') into.latencies.push(performance.now() - at);
        })
        .catch((error: unknown) => count(into, `error ${(error as Error).message}`))
        .finally(() => pending.delete(call));
      pending.add(call);
    }
    if (now >= windowEnd) {
      const closed = window;
      window = newWindow();
      windowEnd += options.windowMs;
      void Promise.all([...pending]).then(() => options.onWindow(closed));
    }
    await sleep(2);
  }
  await Promise.all([...pending]);
  if (window.sent > 0) options.onWindow(window);
}

function startGatewayProcess(upstreamPort: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--gateway', String(upstreamPort)], {
    execArgv: ['--import', 'tsx'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    child.on('message', (message: { kind: string; port?: number }) => {
      if (message.kind === 'ready') resolve({ child, url: `http://127.0.0.1:${message.port}` });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '200' },
      'burst-seconds': { type: 'string', default: '30' },
      'window-seconds': { type: 'string', default: '60' },
      stream: { type: 'boolean', default: false },
      gateway: { type: 'string' },
    },
  });
  if (values.gateway !== undefined) return runGateway(Number(values.gateway));
  const rate = Number(values.rate);
  const minutes = Number(values.minutes);
  const upstream = await startMockUpstream({
    port: 0,
    chunks: 8,
    chunkDelayMs: 0,
    embeddingDims: 16,
  });
  const { child, url } = await startGatewayProcess(upstream.port);
  let died: string | undefined;
  child.on('exit', (code, signal) => (died = `gateway exited (${code ?? signal})`));
  let latest: GatewaySample | undefined;
  const samples: GatewaySample[] = [];
  child.on('message', (m: GatewaySample) => {
    if (m.kind !== 'sample') return;
    latest = m;
    samples.push(m);
  });
  const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  const call = async (path: string, key: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // @ts-expect-error undici's dispatcher option is not in the DOM RequestInit type
      dispatcher,
    });
    return { status: response.status, text: await response.text() };
  };
  const keyWith = async (limits: Record<string, unknown>) => {
    const created = await call('/key/generate', MASTER_KEY, { max_budget: 1_000_000, ...limits });
    if (created.status !== 200) throw new Error(`/key/generate: ${created.text}`);
    return (JSON.parse(created.text) as { key: string }).key;
  };
  const burstSeconds = Number(values['burst-seconds']);
  // Limits on the full path that the soak stays well inside. The burst's key may make as many
  // requests as the soak rate would in the burst's time: a third of the burst, the rest is 429.
  const soakKey = await keyWith({ rpm_limit: rate * 60 * 2, tpm_limit: 1e9 });
  const burstLimit = Math.max(1, Math.round(rate * Math.min(60, burstSeconds)));
  const burstKey = await keyWith({ rpm_limit: burstLimit, tpm_limit: 1e9 });
  const chat = (key: string) => async () =>
    String(
      (
        await call('/v1/chat/completions', key, {
          model: 'soak',
          messages: [{ role: 'user', content: 'Hello, soak!' }],
          stream: values.stream,
        })
      ).status,
    );

  const started = Date.now();
  let soakErrors = 0;
  const firstHandles: number[] = [];
  console.log(`soak: ${rate} req/s for ${minutes} min on ${url} (stream: ${values.stream})`);
  console.log('window   sent   errors   p50 ms   p99 ms   RSS MiB   heap MiB   handles');
  await drive(chat(soakKey), {
    rate,
    seconds: minutes * 60,
    windowMs: Number(values['window-seconds']) * 1000,
    onWindow: (w) => {
      const errors = w.sent - (w.statuses.get('200') ?? 0);
      soakErrors += errors;
      const { p50, p99 } = summarizeLatencies(w.latencies);
      if (latest && firstHandles.length === 0) firstHandles.push(latest.handles);
      const minute = ((Date.now() - started) / 60_000).toFixed(1).padStart(6);
      console.log(
        `${minute}   ${String(w.sent).padStart(5)}   ${String(errors).padStart(6)}   ${p50.toFixed(2).padStart(6)}   ${p99.toFixed(2).padStart(6)}   ${latest?.rssMiB.toFixed(1).padStart(7) ?? '      ?'}   ${latest?.heapMiB.toFixed(1).padStart(8) ?? '       ?'}   ${String(latest?.handles ?? '?').padStart(7)}`,
      );
      if (errors > 0)
        console.log(`         statuses: ${JSON.stringify(Object.fromEntries(w.statuses))}`);
    },
  });

  const burst = newWindow();
  console.log(`burst: ${rate * 3} req/s for ${burstSeconds} s against rpm_limit ${burstLimit}`);
  await drive(chat(burstKey), {
    rate: rate * 3,
    seconds: burstSeconds,
    windowMs: burstSeconds * 1000 + 1,
    onWindow: (w) => {
      burst.sent += w.sent;
      for (const [status, n] of w.statuses)
        burst.statuses.set(status, (burst.statuses.get(status) ?? 0) + n);
      burst.latencies.push(...w.latencies);
    },
  });
  const burstP99 = summarizeLatencies(burst.latencies).p99;
  console.log(
    `burst answers: ${JSON.stringify(Object.fromEntries(burst.statuses))}, p99 of 200s ${burstP99.toFixed(2)} ms`,
  );
  const alive = await fetch(`${url}/health/liveliness`).then(
    (r) => r.status,
    () => 0,
  );
  const rss = samples.map((s) => s.rssMiB);
  console.log(
    `gateway: RSS ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MiB, handles ${Math.min(...samples.map((s) => s.handles))}–${Math.max(...samples.map((s) => s.handles))}, liveliness ${alive}`,
  );
  const burst5xx = [...burst.statuses].filter(([s]) => !/^[234]\d\d$/.test(s));
  const failures = [
    soakErrors > 0 && `${soakErrors} soak errors`,
    burst5xx.length > 0 && `burst answers that are not 2xx-4xx: ${JSON.stringify(burst5xx)}`,
    died,
    alive !== 200 && 'gateway not live after the burst',
  ].filter(Boolean);
  child.disconnect();
  await dispatcher.close();
  await upstream.close();
  if (failures.length > 0) {
    console.log(`FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else console.log('OK');
}

await main();
