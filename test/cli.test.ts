/**
 * The `tollgate` command as a user runs it: flags, config errors, warnings, health routes, and a
 * graceful SIGTERM that lets an in-flight stream finish.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from './helpers/free-port.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

function run(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const base = { ...process.env };
  delete base.LITELLM_MASTER_KEY;
  delete base.TOLLGATE_MASTER_KEY;
  // An in-memory store: never leave a tollgate.db in the directory the tests run from.
  base.DATABASE_URL = 'sqlite::memory:';
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...base, ...env } });
}

async function finish(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

async function startAndWait(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; logs: () => string }> {
  const port = await freePort();
  const child = run([...args, '--port', String(port), '--host', '127.0.0.1']);
  let logs = '';
  child.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr.on('data', (d: Buffer) => (logs += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/health/liveliness`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, logs: () => logs };
}

describe('tollgate command', () => {
  it('explains every flag in --help', async () => {
    const { code, out } = await finish(run(['--help']));
    assert.equal(code, 0);
    for (const flag of [
      '--config',
      '--port',
      '--host',
      '--shutdown-timeout',
      'LITELLM_MASTER_KEY',
      'prune-spend-logs',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'SPEND_LOG_RUN_LOOPS',
    ]) {
      assert.ok(out.includes(flag), `--help mentions ${flag}`);
    }
  });

  it('refuses an invalid config, naming the exact path', async () => {
    const file = writeConfig(
      'model_list:\n  - model_name: a\n    litellm_params:\n      model: opnai/gpt-4o\n',
    );
    const { code, out } = await finish(run(['--config', file]));
    assert.equal(code, 1);
    assert.match(
      out,
      /model_list\[0\]\.litellm_params\.model: unknown provider "opnai" \(did you mean "openai"\?\)/,
    );
  });

  it('starts without a config, with no models, and says how to add some', async () => {
    const { child, url, logs } = await startAndWait([]);
    try {
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: unknown[] };
      assert.deepEqual(models.data, []);
      assert.match(logs(), /no --config given/);
      assert.match(logs(), /NO MASTER KEY SET/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });

  it('warns once per key it does not act on, serves health and metrics, and drains on SIGTERM', async () => {
    const file = writeConfig(`
model_list:
  - model_name: slow-mock
    litellm_params:
      model: mock/slow
      mock_chunk_delay_ms: 150
general_settings:
  master_key: sk-cli-test
  alerting: ["pagerduty"]
litellm_settings:
  success_callback: ["langfuse"]
`);
    const { child, url, logs } = await startAndWait(['--config', file]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await checkRunningGateway(url, logs, child, exited);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

async function checkRunningGateway(
  url: string,
  logs: () => string,
  child: ChildProcessWithoutNullStreams,
  exited: Promise<number | null>,
): Promise<void> {
  {
    const auth = { authorization: 'Bearer sk-cli-test' };
    assert.equal(
      logs().match(/general_settings\.alerting: pagerduty is not supported by Tollgate yet/g)
        ?.length,
      1,
    );
    assert.equal(
      logs().match(
        /litellm_settings\.success_callback: \\"langfuse\\" is not supported by Tollgate yet/g,
      )?.length,
      1,
    );

    assert.equal(await (await fetch(`${url}/health/liveliness`)).json(), "I'm alive!");
    const ready = (await (await fetch(`${url}/health/readiness`)).json()) as { status: string };
    assert.equal(ready.status, 'healthy');
    const health = (await (await fetch(`${url}/health`, { headers: auth })).json()) as {
      healthy_count: number;
    };
    assert.equal(health.healthy_count, 1);
    assert.equal((await fetch(`${url}/health`)).status, 401);

    // A stream in flight when SIGTERM arrives still finishes.
    const streaming = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'slow-mock',
        stream: true,
        messages: [{ role: 'user', content: 'one two three' }],
      }),
    }).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 200));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /litellm_proxy_total_requests_metric/);
    child.kill('SIGTERM');
    const text = await streaming;
    assert.match(text, /data: \[DONE\]/);
    assert.equal(await exited, 0);
    assert.match(logs(), /shut down cleanly/);
    await assert.rejects(fetch(`${url}/health/liveliness`));
  }
}

describe('tollgate shutdown with keep-alive clients', () => {
  it('exits promptly once a request in flight on a keep-alive connection is answered', async () => {
    const file = writeConfig(`
model_list:
  - model_name: slow
    litellm_params:
      model: mock/slow
      mock_latency_ms: 300
general_settings:
  master_key: sk-cli-test
`);
    const { child, url } = await startAndWait(['--config', file, '--shutdown-timeout', '20']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const { Agent, request } = await import('undici');
      const agent = new Agent({ keepAliveTimeout: 60_000 });
      const pending = request(`${url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: 'Bearer sk-cli-test', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }),
      }).then((r) => r.body.text());
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      child.kill('SIGTERM');
      assert.match(await pending, /mock response/);
      assert.equal(await exited, 0);
      assert.ok(Date.now() - started < 5_000, `exited ${Date.now() - started} ms after SIGTERM`);
      await agent.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
