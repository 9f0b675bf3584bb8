/**
 * Bedrock errors: JSON `{"message":"..."}` whose kind is in the `x-amzn-errortype` header
 * (`ThrottlingException:http://internal.amazon.com/coral/...`), and the same exceptions as
 * event-stream frames mid-stream (`:exception-type: throttlingException`). AWS answers bad
 * credentials with 403, which is an auth failure rather than a missing permission.
 */
import { parseJsonSafely, parseRetryAfter, providerErrorFrom } from '../shared/classify-status.js';
import { ProviderError, type ErrorKind } from '../types.js';

/** Exceptions whose kind the HTTP status alone would get wrong. */
const KIND_BY_TYPE: Record<string, ErrorKind> = {
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  MissingAuthenticationTokenException: 'auth',
  ExpiredTokenException: 'auth',
  IncompleteSignatureException: 'auth',
  ServiceQuotaExceededException: 'quota',
  ModelNotReadyException: 'rate_limit',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'server',
};

/** Status of each exception when it arrives inside a stream, where there is no HTTP status. */
const STATUS_BY_TYPE: Record<string, number> = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

export function parseBedrockError(
  status: number,
  body: string,
  headers: Record<string, string>,
): ProviderError {
  const json = parseJsonSafely(body);
  let message = body.trim() || `HTTP ${status}`;
  if (json && typeof json === 'object') {
    // Most services say "message"; some AWS front ends say "Message".
    const { message: lower, Message: upper } = json as { message?: unknown; Message?: unknown };
    if (typeof lower === 'string') message = lower;
    else if (typeof upper === 'string') message = upper;
  }
  const type = headers['x-amzn-errortype']?.split(':')[0] || undefined;
  return bedrockError(status, message, type, parseRetryAfter(headers));
}

/** An exception frame of a ConverseStream answer (`throttlingException`, ...). */
export function parseBedrockStreamException(exceptionType: string, body: string): ProviderError {
  const type = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  const json = parseJsonSafely(body) as { message?: unknown } | undefined;
  const message = typeof json?.message === 'string' ? json.message : body || exceptionType;
  return bedrockError(STATUS_BY_TYPE[type] ?? 500, message, type);
}

function bedrockError(
  status: number,
  message: string,
  type: string | undefined,
  retryAfterMs?: number,
): ProviderError {
  const kind =
    (type ? KIND_BY_TYPE[type] : undefined) ?? providerErrorFrom(status, {}, { message }).kind;
  return new ProviderError(kind, message, { status, type, retryAfterMs });
}
