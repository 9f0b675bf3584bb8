import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSection, sectionProblems } from '../../test/helpers/config-sections.js';

const load = (body: string, env: Record<string, string | undefined> = {}) =>
  loadSection('litellm_settings', body, env);
const problemsOf = (body: string, env: Record<string, string | undefined> = {}) =>
  sectionProblems('litellm_settings', body, env);

describe('trace settings (litellm_settings.callbacks)', () => {
  test('"otel" with the OpenTelemetry variables: the traces URL, headers and service name', () => {
    const config = load('  callbacks: ["otel"]', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%2Cb,other-config-value=value',
      OTEL_SERVICE_NAME: 'gateway-eu',
    });
    assert.deepEqual(config.traces, {
      url: 'http://collector:4318/v1/traces',
      headers: { 'api-key': 'a,b', 'other-config-value': 'value' },
      serviceName: 'gateway-eu',
      destination: 'otel',
    });
    assert.deepEqual(config.warnings, []);
  });

  test("LiteLLM's own OTEL_ENDPOINT and OTEL_HEADERS, and the defaults", () => {
    const traceloop = load('  success_callback: ["otel"]', {
      OTEL_EXPORTER: 'otlp_http',
      OTEL_ENDPOINT: 'https://api.traceloop.com',
      OTEL_HEADERS: 'Authorization=Bearer%20tl-123',
    });
    assert.equal(traceloop.traces?.url, 'https://api.traceloop.com');
    assert.deepEqual(traceloop.traces?.headers, { Authorization: 'Bearer tl-123' });
    assert.equal(traceloop.traces?.serviceName, 'tollgate');
    const plain = load('  callbacks: ["otel"]');
    assert.equal(plain.traces?.url, 'http://localhost:4318/v1/traces');
    // The per-signal variable is used as written and wins.
    const traces = load('  callbacks: ["otel"]', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom',
    });
    assert.equal(traces.traces?.url, 'http://b:4318/custom');
  });

  test('no traces without the callback; "prometheus" is what /metrics serves; others warn', () => {
    assert.equal(load('  drop_params: true').traces, undefined);
    const config = load(
      '  callbacks: ["prometheus"]\n  success_callback: ["langfuse", "prometheus"]',
    );
    assert.equal(config.traces, undefined);
    assert.deepEqual(config.warnings, [
      'litellm_settings.success_callback: "langfuse" is not supported by Tollgate yet; ignored (traces go to OpenTelemetry with "otel", or to Langfuse with "langfuse_otel")',
    ]);
  });

  test('protocols and exporters other than OTLP/HTTP JSON are named in a warning', () => {
    const config = load('  callbacks: ["otel"]', {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER: 'console',
    });
    assert.ok(config.traces);
    assert.equal(config.warnings.length, 2);
    assert.match(
      config.warnings.join('\n'),
      /"grpc" is not supported; spans are sent as http\/json/,
    );
    assert.match(config.warnings.join('\n'), /OTEL_EXPORTER: "console" is not supported/);
  });

  test('"langfuse_otel": the Langfuse host and project keys', () => {
    const config = load('  callbacks: ["langfuse_otel"]', {
      LANGFUSE_PUBLIC_KEY: 'pk-lf-1',
      LANGFUSE_SECRET_KEY: 'sk-lf-2',
    });
    assert.equal(config.traces?.url, 'https://us.cloud.langfuse.com/api/public/otel/v1/traces');
    assert.equal(
      config.traces?.headers.Authorization,
      `Basic ${Buffer.from('pk-lf-1:sk-lf-2').toString('base64')}`,
    );
    const eu = load('  callbacks: ["langfuse_otel"]', {
      LANGFUSE_PUBLIC_KEY: 'pk-lf-1',
      LANGFUSE_SECRET_KEY: 'sk-lf-2',
      LANGFUSE_OTEL_HOST: 'https://cloud.langfuse.com/',
    });
    assert.equal(eu.traces?.url, 'https://cloud.langfuse.com/api/public/otel/v1/traces');
  });

  test('refuses to start on what cannot work, saying what to fix', () => {
    assert.deepEqual(problemsOf('  callbacks: ["langfuse_otel"]'), [
      'litellm_settings.callbacks: "langfuse_otel" needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY',
    ]);
    assert.deepEqual(problemsOf('  callbacks: ["otel", "langfuse_otel"]'), [
      'litellm_settings.callbacks: "otel" and "langfuse_otel" both send traces; name one of them',
    ]);
    assert.deepEqual(
      problemsOf('  callbacks: ["otel"]', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }),
      ['OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318/v1/traces" is not an http:// or https:// URL'],
    );
    assert.deepEqual(problemsOf('  callbacks: ["otel"]', { OTEL_EXPORTER_OTLP_HEADERS: '=oops' }), [
      'OTEL_EXPORTER_OTLP_HEADERS: write the headers as name=value, separated by commas',
    ]);
  });
});
