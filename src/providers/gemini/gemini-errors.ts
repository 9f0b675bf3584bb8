/**
 * Google API errors: `{"error":{"code","message","status","details":[...]}}`. Two cases differ
 * from the shared status table: an invalid API key is a 400 with reason API_KEY_INVALID (an auth
 * failure, not a bad request), and every 429 says "exceeded your current quota" even for a
 * per-minute limit, which is a rate limit to wait out, not an exhausted balance.
 */
import { parseJsonSafely, parseRetryAfter, providerErrorFrom } from '../shared/classify-status.js';
import { ProviderError } from '../types.js';
import { GeminiErrorBodySchema, type GeminiErrorBody } from './gemini-wire.js';

export function parseGeminiError(
  status: number,
  body: string,
  headers: Record<string, string>,
): ProviderError {
  const parsed = readErrorBody(parseJsonSafely(body));
  if (!parsed)
    return providerErrorFrom(status, headers, { message: body.trim() || `HTTP ${status}` });
  return geminiErrorFrom(parsed, status, headers);
}

/** Also used for an error object sent inside an SSE stream. */
export function geminiErrorFrom(
  parsed: GeminiErrorBody,
  status: number,
  headers: Record<string, string> = {},
): ProviderError {
  const { error } = parsed;
  const code = error.code ?? status;
  const message = error.message ?? `HTTP ${code}`;
  const type = error.status;
  const retryAfterMs = parseRetryAfter(headers) ?? readRetryDelay(error.details);
  const reasons = (error.details ?? []).map((d) => d.reason);
  if (reasons.includes('API_KEY_INVALID')) {
    return new ProviderError('auth', message, { status: code, type, retryAfterMs });
  }
  if (code === 429) {
    return new ProviderError('rate_limit', message, { status: code, type, retryAfterMs });
  }
  const classified = providerErrorFrom(code, headers, { message, type });
  return new ProviderError(classified.kind, message, { status: code, type, retryAfterMs });
}

/** Error bodies of the non-SSE streaming endpoint come wrapped in an array. */
export function readErrorBody(json: unknown): GeminiErrorBody | undefined {
  const candidate = Array.isArray(json) ? json[0] : json;
  const parsed = GeminiErrorBodySchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** `google.rpc.RetryInfo` carries the wait as a duration string such as "43s" or "1.5s". */
function readRetryDelay(details: GeminiErrorBody['error']['details']): number | undefined {
  for (const detail of details ?? []) {
    if (!detail['@type']?.endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail.retryDelay));
    if (match?.[1]) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}
