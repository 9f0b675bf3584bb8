/**
 * The one error class of the gateway. Anything that goes wrong is thrown as a GatewayError with a
 * code from ERROR_CODES; `toErrorBody` is the only place that turns it into the LiteLLM/OpenAI
 * JSON shape `{"error":{"message","type","param","code"}}`.
 */

interface ErrorCodeSpec {
  /** HTTP status sent to the client. */
  status: number;
  /** Value of `error.type` (LiteLLM's vocabulary). */
  type: string;
}

export const ERROR_CODES = {
  no_api_key: { status: 401, type: 'auth_error' },
  invalid_api_key: { status: 401, type: 'auth_error' },
  token_not_found_in_db: { status: 401, type: 'token_not_found_in_db' },
  expired_key: { status: 401, type: 'expired_key' },
  key_blocked: { status: 401, type: 'auth_error' },
  team_blocked: { status: 401, type: 'auth_error' },
  key_model_access_denied: { status: 401, type: 'key_model_access_denied' },
  team_model_access_denied: { status: 401, type: 'team_model_access_denied' },
  user_model_access_denied: { status: 401, type: 'user_model_access_denied' },
  organization_model_access_denied: { status: 401, type: 'organization_model_access_denied' },
  /** A role calling a route outside its part of the route × role table. */
  route_not_allowed_for_role: { status: 401, type: 'auth_error' },
  forbidden: { status: 403, type: 'auth_error' },
  no_db_connection: { status: 400, type: 'no_db_connection' },
  /** A management route called on a gateway that runs without a database. */
  db_not_connected: { status: 500, type: 'no_db_connection' },
  bad_request: { status: 400, type: 'invalid_request_error' },
  invalid_model: { status: 400, type: 'invalid_request_error' },
  unsupported_operation: { status: 400, type: 'invalid_request_error' },
  context_window_exceeded: { status: 400, type: 'invalid_request_error' },
  content_policy_violation: { status: 400, type: 'invalid_request_error' },
  /** A guardrail refused what the call sends or gets back (src/guardrails). */
  guardrail_blocked: { status: 400, type: 'invalid_request_error' },
  validation_error: { status: 422, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'not_found_error' },
  key_not_found: { status: 404, type: 'not_found_error' },
  /** A user id or email that is already taken. */
  conflict: { status: 409, type: 'invalid_request_error' },
  team_member_already_in_team: { status: 400, type: 'team_member_already_in_team' },
  /** LiteLLM's customer endpoints use their own short types. */
  customer_exists: { status: 400, type: 'bad_request' },
  customer_not_found: { status: 404, type: 'not_found' },
  /** An admin-only listing asked for by someone else (LiteLLM answers 401 there). */
  admin_only: { status: 401, type: 'auth_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  timeout: { status: 408, type: 'timeout' },
  rate_limit: { status: 429, type: 'throttling_error' },
  /** A budget that cannot pay the call; 429 as newer LiteLLM, 400 (older) by configuration. */
  budget_exceeded: { status: 429, type: 'budget_exceeded' },
  no_healthy_deployment: { status: 429, type: 'no_healthy_deployment' },
  upstream_error: { status: 500, type: 'api_error' },
  upstream_auth_error: { status: 401, type: 'authentication_error' },
  upstream_connection_error: { status: 500, type: 'api_connection_error' },
  service_unavailable: { status: 503, type: 'service_unavailable' },
  internal_server_error: { status: 500, type: 'internal_server_error' },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GatewayErrorOptions {
  /** Overrides the code's status (an upstream 503 stays 503). */
  status?: number;
  /** Overrides the code's type (an upstream's own error type is kept). */
  type?: string;
  param?: string | null;
  /** Extra response headers, such as `retry-after`. */
  headers?: Record<string, string>;
  /** What else the client is told, as `error.provider_specific_fields` (a guardrail's finding). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.type = options.type ?? ERROR_CODES[code].type;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export interface ErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string;
    provider_specific_fields?: Record<string, unknown>;
  };
}

export function toErrorBody(error: GatewayError): ErrorBody {
  return {
    error: {
      message: error.message,
      type: error.type,
      param: error.param,
      code: String(error.status),
      ...(error.details && { provider_specific_fields: error.details }),
    },
  };
}

/** Wraps anything thrown into a GatewayError; unknown failures become a 500 without internals. */
export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_server_error', 'Internal server error', { cause: error });
}
