/** OpenAI-style error bodies: `{"error":{"message","type","param","code"}}`, or plain text. */
import { parseJsonSafely, providerErrorFrom } from '../shared/classify-status.js';
import type { ProviderError } from '../types.js';

export function parseOpenAiError(
  status: number,
  body: string,
  headers: Record<string, string>,
): ProviderError {
  const json = parseJsonSafely(body) as
    | {
        error?: { message?: unknown; type?: unknown; code?: unknown } | string;
        detail?: unknown;
        message?: unknown;
      }
    | undefined;
  let message = body.trim() || `HTTP ${status}`;
  let type: string | undefined;
  let code: string | undefined;
  if (json && typeof json === 'object') {
    const error = json.error;
    if (typeof error === 'string') message = error;
    else if (error && typeof error === 'object') {
      if (typeof error.message === 'string') message = error.message;
      if (typeof error.type === 'string') type = error.type;
      if (typeof error.code === 'string') code = error.code;
    } else if (typeof json.detail === 'string') message = json.detail;
    else if (typeof json.message === 'string') message = json.message;
  }
  return providerErrorFrom(status, headers, { message, type, code });
}
