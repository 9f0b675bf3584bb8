/**
 * LiteLLM's logging callbacks (`litellm_settings.callbacks`, `success_callback`,
 * `failure_callback`) as far as Tollgate acts on them: `otel` sends a trace span of every LLM call
 * to an OpenTelemetry collector (OTLP over HTTP, JSON), `langfuse_otel` to Langfuse's
 * OpenTelemetry endpoint, and `prometheus` is what `/metrics` always serves. Any other callback is
 * named in one warning.
 *
 * Where spans go, as LiteLLM and the OpenTelemetry SDKs read it: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * (as is), else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else LiteLLM's `OTEL_ENDPOINT` (as
 * is), else `http://localhost:4318/v1/traces`; headers from `OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
 * `OTEL_EXPORTER_OTLP_HEADERS` or `OTEL_HEADERS` (`name=value,...`, values URL-encoded).
 */
import type { LitellmSettings } from './schema.js';

export interface TraceSettings {
  /** The OTLP/HTTP traces URL spans are posted to. */
  url: string;
  headers: Record<string, string>;
  /** `service.name` of the spans' resource. */
  serviceName: string;
  /** Where the settings came from, for the start-up log (never the headers: they hold secrets). */
  destination: 'otel' | 'langfuse_otel';
}

const CALLBACK_FIELDS = ['callbacks', 'success_callback', 'failure_callback'] as const;

/** Callbacks Tollgate does what they ask for without acting on the name. */
const ALWAYS_ON: Record<string, string> = {
  prometheus: '/metrics always serves the Prometheus metrics',
};

export function buildTraceSettings(
  litellm: LitellmSettings,
  env: Record<string, string | undefined>,
  warnings: string[],
  problems: string[],
): TraceSettings | undefined {
  const named = new Set<string>();
  for (const field of CALLBACK_FIELDS) {
    const list = litellm[field];
    if (list === undefined) continue;
    for (const entry of list) {
      const name = entry.trim().toLowerCase();
      if (name === 'otel' || name === 'langfuse_otel') {
        named.add(name);
      } else if (!(name in ALWAYS_ON)) {
        warnings.push(
          `litellm_settings.${field}: "${entry}" is not supported by Tollgate yet; ignored ` +
            `(traces go to OpenTelemetry with "otel", or to Langfuse with "langfuse_otel")`,
        );
      }
    }
  }
  if (named.has('otel') && named.has('langfuse_otel')) {
    problems.push(
      'litellm_settings.callbacks: "otel" and "langfuse_otel" both send traces; name one of them',
    );
    return undefined;
  }
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME) ?? 'tollgate';
  if (named.has('langfuse_otel')) return langfuse(env, serviceName, problems);
  if (!named.has('otel')) return undefined;

  const exporter = nonEmpty(env.OTEL_EXPORTER)?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp_http' && exporter !== 'otlp') {
    warnings.push(
      `OTEL_EXPORTER: "${env.OTEL_EXPORTER}" is not supported; spans are sent with otlp_http`,
    );
  }
  const protocol = (
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL)
  )?.toLowerCase();
  if (protocol !== undefined && protocol !== 'http/json') {
    warnings.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; spans are sent as http/json ` +
        '(an OpenTelemetry collector takes both on its HTTP port)',
    );
  }
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const url =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ??
    (base && `${base.replace(/\/+$/, '')}/v1/traces`) ??
    nonEmpty(env.OTEL_ENDPOINT) ??
    'http://localhost:4318/v1/traces';
  const where = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    : base
      ? 'OTEL_EXPORTER_OTLP_ENDPOINT'
      : 'OTEL_ENDPOINT';
  if (!isHttpUrl(url)) {
    problems.push(`${where}: "${url}" is not an http:// or https:// URL`);
    return undefined;
  }
  const headerText =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) ??
    nonEmpty(env.OTEL_EXPORTER_OTLP_HEADERS) ??
    nonEmpty(env.OTEL_HEADERS);
  const headers = headerText === undefined ? {} : parseHeaders(headerText, problems);
  return { url, headers, serviceName, destination: 'otel' };
}

/** Langfuse's OpenTelemetry endpoint, with its project keys as Basic authentication. */
function langfuse(
  env: Record<string, string | undefined>,
  serviceName: string,
  problems: string[],
): TraceSettings | undefined {
  const publicKey = nonEmpty(env.LANGFUSE_PUBLIC_KEY);
  const secretKey = nonEmpty(env.LANGFUSE_SECRET_KEY);
  if (!publicKey || !secretKey) {
    problems.push(
      'litellm_settings.callbacks: "langfuse_otel" needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY',
    );
    return undefined;
  }
  const host = (
    nonEmpty(env.LANGFUSE_OTEL_HOST) ??
    nonEmpty(env.LANGFUSE_HOST) ??
    'https://us.cloud.langfuse.com'
  ).replace(/\/+$/, '');
  if (!isHttpUrl(host)) {
    problems.push(`LANGFUSE_OTEL_HOST: "${host}" is not an http:// or https:// URL`);
    return undefined;
  }
  const token = Buffer.from(`${publicKey}:${secretKey}`).toString('base64');
  return {
    url: `${host}/api/public/otel/v1/traces`,
    headers: { Authorization: `Basic ${token}` },
    serviceName,
    destination: 'langfuse_otel',
  };
}

/** `name=value,name2=value2`, values URL-decoded, as the OpenTelemetry SDKs read them. */
function parseHeaders(text: string, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const name = at > 0 ? part.slice(0, at).trim() : '';
    if (name === '') {
      problems.push(
        'OTEL_EXPORTER_OTLP_HEADERS: write the headers as name=value, separated by commas',
      );
      continue;
    }
    let value = part.slice(at + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as written: not every value is URL-encoded.
    }
    headers[name] = value;
  }
  return headers;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
