/**
 * Anthropic error bodies (`{"type":"error","error":{"type","message"}}`), whether they arrive as a
 * non-2xx answer or as an `error` event in the middle of a stream.
 */
import { parseJsonSafely, providerErrorFrom } from '../shared/classify-status.js';
import type { ProviderError } from '../types.js';

/**
 * Anthropic's error types and the status each comes with. A mid-stream `error` event has no
 * status of its own, so this table lets it be classified like the equivalent HTTP answer.
 */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The Anthropic error type for a status, for rendering Anthropic-format errors ourselves. */
export function anthropicErrorType(status: number): string {
  for (const [type, typeStatus] of Object.entries(ANTHROPIC_ERROR_STATUS)) {
    if (typeStatus === status) return type;
  }
  // A gateway timeout (408) is Anthropic's timeout_error, not the caller's bad request.
  if (status === 408) return 'timeout_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

interface ErrorLike {
  type?: unknown;
  message?: unknown;
  error?: { type?: unknown; message?: unknown } | string;
}

export function parseAnthropicError(
  status: number,
  body: string,
  headers: Record<string, string>,
): ProviderError {
  const json = parseJsonSafely(body) as ErrorLike | undefined;
  let message = body.trim() || `HTTP ${status}`;
  let type: string | undefined;
  if (json && typeof json === 'object') {
    const error = json.error;
    if (typeof error === 'string') message = error;
    else if (error && typeof error === 'object') {
      if (typeof error.message === 'string') message = error.message;
      if (typeof error.type === 'string') type = error.type;
    } else if (typeof json.message === 'string') message = json.message;
  }
  return providerErrorFrom(status, headers, { message, type });
}

/** Classifies an `error` event received after the stream had started. */
export function streamErrorFrom(error: { type?: unknown; message?: unknown }): ProviderError {
  const type = typeof error.type === 'string' ? error.type : 'api_error';
  const message = typeof error.message === 'string' ? error.message : 'stream error';
  return providerErrorFrom(ANTHROPIC_ERROR_STATUS[type] ?? 500, {}, { message, type });
}
