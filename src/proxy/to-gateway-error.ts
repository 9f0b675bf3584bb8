/**
 * Turns a classified provider failure into the client's error, in LiteLLM's words:
 * `litellm.RateLimitError: OpenAIException - <provider message>. Received Model Group=<g>`.
 */
import { GatewayError, type ErrorCode } from '../errors/gateway-error.js';
import { ProviderError, type ErrorKind } from '../providers/types.js';
import { pythonList } from '../util/python-list.js';

const BY_KIND: Record<ErrorKind, { code: ErrorCode; exception: string; status?: number }> = {
  bad_request: { code: 'bad_request', exception: 'BadRequestError' },
  auth: { code: 'upstream_auth_error', exception: 'AuthenticationError' },
  permission: { code: 'forbidden', exception: 'PermissionDeniedError', status: 403 },
  not_found: { code: 'not_found', exception: 'NotFoundError' },
  rate_limit: { code: 'rate_limit', exception: 'RateLimitError' },
  quota: { code: 'rate_limit', exception: 'RateLimitError' },
  timeout: { code: 'timeout', exception: 'Timeout' },
  context_window: { code: 'context_window_exceeded', exception: 'ContextWindowExceededError' },
  content_policy: { code: 'content_policy_violation', exception: 'ContentPolicyViolationError' },
  server: { code: 'upstream_error', exception: 'InternalServerError' },
  connection: { code: 'upstream_connection_error', exception: 'APIConnectionError' },
  bad_response: { code: 'upstream_error', exception: 'APIError', status: 502 },
};

export interface ErrorContext {
  providerName: string;
  group: string;
  fallbacks: string[];
}

export function toGatewayError(error: unknown, ctx: ErrorContext): GatewayError {
  if (!(error instanceof ProviderError)) {
    if (error instanceof GatewayError) return error;
    return new GatewayError('internal_server_error', 'Internal server error', { cause: error });
  }
  const spec = BY_KIND[error.kind];
  let status = spec.status ?? error.details.status;
  if (error.kind === 'server' && (status === undefined || status < 500)) status = 500;
  if (error.kind === 'timeout') status = 408;
  if (error.kind === 'rate_limit') status = 429;
  const exception =
    error.kind === 'server' && status === 503 ? 'ServiceUnavailableError' : spec.exception;
  const headers: Record<string, string> = {};
  if (error.details.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.details.retryAfterMs / 1000)));
  }
  const fallbacks = ctx.fallbacks.length > 0 ? pythonList(ctx.fallbacks) : 'None';
  const message = `litellm.${exception}: ${ctx.providerName}Exception - ${error.message}. Received Model Group=${ctx.group}\nAvailable Model Group Fallbacks=${fallbacks}`;
  return new GatewayError(spec.code, message, {
    status,
    type: error.details.type,
    headers,
    cause: error,
  });
}
