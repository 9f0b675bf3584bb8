/**
 * Azure error bodies are OpenAI-shaped (`{"error":{"message","code",...}}`, sometimes with only
 * `code` and `message`), with two Azure twists handled here: content-filter refusals carry
 * `code: "content_filter"` and an `innererror`, and 429 messages link to a "quotaincrease" page
 * even though they are plain rate limits.
 */
import { parseJsonSafely } from '../shared/classify-status.js';
import { parseOpenAiError } from '../openai/openai-errors.js';
import { ProviderError } from '../types.js';

interface AzureErrorBody {
  error?: { code?: unknown; innererror?: { code?: unknown } };
}

export function parseAzureError(
  status: number,
  body: string,
  headers: Record<string, string>,
): ProviderError {
  const error = parseOpenAiError(status, body, headers);
  if (status === 429 && error.kind !== 'rate_limit') return reclassify(error, 'rate_limit');
  if (status < 500 && isContentFilter(parseJsonSafely(body))) {
    return reclassify(error, 'content_policy');
  }
  return error;
}

function isContentFilter(json: unknown): boolean {
  if (!json || typeof json !== 'object') return false;
  const error = (json as AzureErrorBody).error;
  if (!error || typeof error !== 'object') return false;
  return (
    error.code === 'content_filter' || error.innererror?.code === 'ResponsibleAIPolicyViolation'
  );
}

function reclassify(error: ProviderError, kind: ProviderError['kind']): ProviderError {
  return new ProviderError(kind, error.message, error.details);
}
