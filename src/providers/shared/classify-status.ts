/** Status-and-message classification shared by every adapter's `parseError`. */
import { ProviderError, type ErrorKind } from '../types.js';

const CONTEXT_WINDOW =
  /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|exceeds the (maximum|max)/i;
const CONTENT_POLICY = /content[_ ]policy|content management policy|safety system|content_filter/i;

export function classifyStatus(status: number, message: string, code?: string): ErrorKind {
  if (status === 400 || status === 413 || status === 422) {
    if (CONTEXT_WINDOW.test(message) || code === 'context_length_exceeded') return 'context_window';
    if (CONTENT_POLICY.test(message) || code === 'content_policy_violation')
      return 'content_policy';
    return 'bad_request';
  }
  if (status === 401) return 'auth';
  if (status === 402) return 'quota';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return /quota|billing|credit/i.test(message) ? 'quota' : 'rate_limit';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** Parses `retry-after` (seconds or HTTP date) and `retry-after-ms`. */
export function parseRetryAfter(headers: Record<string, string>): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Builds a ProviderError from a status and the provider's own message, type and code. */
export function providerErrorFrom(
  status: number,
  headers: Record<string, string>,
  error: { message: string; type?: string; code?: string },
): ProviderError {
  return new ProviderError(classifyStatus(status, error.message, error.code), error.message, {
    status,
    type: error.type,
    retryAfterMs: parseRetryAfter(headers),
  });
}

/** Best-effort JSON parse of an error body; non-JSON bodies become their own message. */
export function parseJsonSafely(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Parses an upstream success body, turning garbage into a classified error instead of a crash. */
export function parseUpstreamJson(body: string, provider: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ProviderError('bad_response', `${provider} returned a body that is not JSON`, {
      status: 502,
    });
  }
}
