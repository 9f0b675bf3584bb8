/**
 * Traces (`litellm_settings.callbacks: ["otel"]` or `["langfuse_otel"]`): a span of every LLM call
 * reaches an OpenTelemetry collector over OTLP/HTTP (JSON) with the GenAI attributes, the caller,
 * the cost, the request's trace when it sent a `traceparent`, and an error status for a failed
 * call; a collector that is down costs the calls nothing. The collector here is a local HTTP
 * server that takes OTLP/JSON as a collector does; clients are the official OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { adminClient } from './helpers/admin-client.js';
import { eventually } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { pricedModel } from './helpers/priced-models.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  service: string | undefined;
  spans: OtlpSpan[];
}

/** A collector: takes OTLP/JSON trace exports and keeps them. */
async function startCollector(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: OtlpValue }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of body.resourceSpans) {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue,
          spans: rs.scopeSpans.flatMap((s) => s.spans),
        });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

function attr(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.arrayValue) return value.arrayValue.values.map((v) => v.stringValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue ?? Number(value.intValue);
}

const MODELS = [
  pricedModel('gpt-4'),
  // Nothing listens there: every call to it fails.
  {
    model_name: 'down',
    litellm_params: { model: 'openai/down', api_base: 'http://127.0.0.1:9/v1' },
  },
];

const [sqlite] = await testDatabases();

describe('traces to an OpenTelemetry collector (callbacks: ["otel"])', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let opened: OpenedTestStore;
  let gateway: TestGateway;

  before(async () => {
    collector = await startCollector();
    opened = await sqlite!.open();
    gateway = await startGateway(
      {
        model_list: MODELS,
        general_settings: { master_key: MASTER_KEY },
        litellm_settings: { callbacks: ['otel'] },
        router_settings: { num_retries: 0 },
      },
      {
        store: opened.store,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=team%20secret,x-tenant=acme',
          OTEL_SERVICE_NAME: 'llm-gateway',
        },
      },
    );
  });
  after(async () => {
    await gateway?.close();
    await opened?.close();
    collector?.server.close();
  });

  const spans = () => collector.received.flatMap((r) => r.spans);

  it('sends a span of each call with its model, tokens, cost, caller and trace', async () => {
    const api = adminClient(gateway.url, MASTER_KEY);
    const generated = await api.post('/key/generate', { key_alias: 'search-app', user_id: 'u-7' });
    const key = (generated.body as { key: string }).key;
    const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const { data, response } = await sdk.chat.completions
      .create(
        { model: 'gpt-4', messages: [{ role: 'user', content: 'hello' }] },
        { headers: { traceparent: `00-${traceId}-${parentId}-01` } },
      )
      .withResponse();
    const callId = response.headers.get('x-litellm-call-id');
    const cost = Number(response.headers.get('x-litellm-response-cost'));
    assert.ok(
      await eventually(async () => spans().some((s) => attr(s, 'tollgate.request_id') === callId)),
      'the span reaches the collector within a few seconds',
    );
    const span = spans().find((s) => attr(s, 'tollgate.request_id') === callId)!;
    assert.equal(span.name, 'chat gpt-4');
    assert.equal(span.kind, 3, 'a client span');
    assert.equal(span.traceId, traceId, "the span is in the caller's trace");
    assert.equal(span.parentSpanId, parentId);
    assert.equal(attr(span, 'gen_ai.operation.name'), 'chat');
    assert.equal(attr(span, 'gen_ai.request.model'), 'gpt-4');
    assert.equal(attr(span, 'gen_ai.system'), 'mock');
    assert.equal(attr(span, 'gen_ai.usage.input_tokens'), data.usage!.prompt_tokens);
    assert.equal(attr(span, 'gen_ai.usage.output_tokens'), data.usage!.completion_tokens);
    assert.ok(cost > 0);
    assert.equal(attr(span, 'gen_ai.usage.cost'), cost);
    assert.equal(attr(span, 'metadata.user_api_key_alias'), 'search-app');
    assert.equal(attr(span, 'metadata.user_api_key_user_id'), 'u-7');
    assert.match(String(attr(span, 'metadata.user_api_key_hash')), /^[0-9a-f]{64}$/);
    assert.equal(span.status?.code ?? 0, 0, 'not an error');
    assert.ok(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano));
    // No prompt or answer leaves the gateway in a span.
    assert.doesNotMatch(JSON.stringify(span), /hello/);
    const export_ = collector.received.find((r) => r.spans.includes(span))!;
    assert.equal(export_.path, '/v1/traces');
    assert.equal(export_.service, 'llm-gateway');
    assert.equal(export_.headers['x-api-key'], 'team secret');
    assert.equal(export_.headers['x-tenant'], 'acme');
    assert.match(String(export_.headers['content-type']), /application\/json/);
  });

  it('starts a trace of its own for a traceparent header it cannot read', async () => {
    const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const { response } = await sdk.chat.completions
      .create(
        { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { traceparent: 'not-a-trace-parent' } },
      )
      .withResponse();
    const callId = response.headers.get('x-litellm-call-id');
    assert.ok(
      await eventually(async () => spans().some((s) => attr(s, 'tollgate.request_id') === callId)),
    );
    const span = spans().find((s) => attr(s, 'tollgate.request_id') === callId)!;
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.ok(!span.parentSpanId, 'a root span');
  });

  it('sends a span of a stream, and one with an error status for a failed call', async () => {
    const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const stream = await sdk.chat.completions.create({
      model: 'gpt-4',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
    });
    for await (const chunk of stream) void chunk;
    await assert.rejects(
      sdk.chat.completions.create({ model: 'down', messages: [{ role: 'user', content: 'x' }] }),
    );
    assert.ok(
      await eventually(
        async () =>
          spans().some((s) => attr(s, 'gen_ai.request.model') === 'down') &&
          spans().filter((s) => attr(s, 'gen_ai.request.model') === 'gpt-4').length >= 2,
      ),
    );
    const failed = spans().find((s) => attr(s, 'gen_ai.request.model') === 'down')!;
    assert.equal(failed.status?.code, 2, 'an error span');
    assert.ok((failed.status?.message ?? '').length > 0, 'with the error message');
    assert.equal(attr(failed, 'tollgate.status'), 'failure');
    const streamed = spans()
      .filter((s) => attr(s, 'gen_ai.request.model') === 'gpt-4')
      .at(-1)!;
    assert.ok(Number(attr(streamed, 'gen_ai.usage.output_tokens')) > 0, 'the stream’s usage');
  });
});

describe('traces with the collector down', () => {
  it('serves every call and says once that spans are dropped', async () => {
    const lines: string[] = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    const gateway = await startGateway(
      {
        model_list: MODELS,
        general_settings: { master_key: MASTER_KEY },
        litellm_settings: { success_callback: ['otel'] },
      },
      { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' }, logStream },
    );
    try {
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      for (let i = 0; i < 5; i++) {
        const answer = await sdk.chat.completions.create({
          model: 'gpt-4',
          messages: [{ role: 'user', content: `call ${i}` }],
        });
        assert.ok(answer.choices[0]?.message.content);
      }
      assert.ok(
        await eventually(async () => lines.join('').includes('did not take spans'), 15_000),
        'the outage is logged',
      );
      const warnings = lines
        .join('')
        .split('\n')
        .filter((l) => l.includes('did not take spans'));
      assert.equal(warnings.length, 1, 'once per outage');
    } finally {
      await gateway.close();
    }
  });
});

describe('traces to Langfuse (callbacks: ["langfuse_otel"])', () => {
  it("posts spans to Langfuse's OpenTelemetry endpoint with the project keys", async () => {
    const collector = await startCollector();
    const gateway = await startGateway(
      {
        model_list: MODELS,
        general_settings: { master_key: MASTER_KEY },
        litellm_settings: { callbacks: ['langfuse_otel'] },
      },
      {
        env: {
          LANGFUSE_PUBLIC_KEY: 'pk-lf-1234',
          LANGFUSE_SECRET_KEY: 'sk-lf-5678',
          LANGFUSE_OTEL_HOST: collector.url,
        },
      },
    );
    try {
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await sdk.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'hi' }],
      });
      assert.ok(await eventually(async () => collector.received.length > 0));
      const [first] = collector.received;
      assert.equal(first!.path, '/api/public/otel/v1/traces');
      const expected = `Basic ${Buffer.from('pk-lf-1234:sk-lf-5678').toString('base64')}`;
      assert.equal(first!.headers.authorization, expected);
      assert.equal(first!.spans[0]?.name, 'chat gpt-4');
    } finally {
      await gateway.close();
      collector.server.close();
    }
  });
});
