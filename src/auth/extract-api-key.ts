/**
 * Finds the API key of a request in LiteLLM's header order: `x-litellm-api-key` (Bearer optional),
 * `Authorization` (Bearer/Basic stripped), `API-Key`, `x-api-key`, `x-goog-api-key`,
 * `Ocp-Apim-Subscription-Key`, then a custom header when configured.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type ExtractedKey =
  { kind: 'none' } | { kind: 'malformed' } | { kind: 'key'; value: string };

const FALLBACK_HEADERS = [
  'api-key',
  'x-api-key',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
] as const;

export function extractApiKey(headers: IncomingHttpHeaders, customHeader?: string): ExtractedKey {
  if (customHeader) {
    const custom = header(headers, customHeader.toLowerCase());
    if (custom !== undefined) return present(stripScheme(custom) ?? custom);
  }
  const litellm = header(headers, 'x-litellm-api-key');
  if (litellm !== undefined) return present(stripScheme(litellm) ?? litellm);
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && authorization.trim() !== '') {
    const stripped = stripScheme(authorization);
    // Any other scheme is treated as an empty key, as LiteLLM does.
    return stripped === undefined ? { kind: 'malformed' } : present(stripped);
  }
  for (const name of FALLBACK_HEADERS) {
    const value = header(headers, name);
    if (value !== undefined) return present(value);
  }
  return { kind: 'none' };
}

function present(value: string): ExtractedKey {
  const trimmed = value.trim();
  return trimmed === '' ? { kind: 'malformed' } : { kind: 'key', value: trimmed };
}

function stripScheme(value: string): string | undefined {
  const match = /^(bearer|basic)\s+(.*)$/i.exec(value.trim());
  return match ? (match[2] ?? '') : undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
