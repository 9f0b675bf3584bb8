/** The one place where failures become HTTP responses in the LiteLLM/OpenAI error shape. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError, asGatewayError, toErrorBody } from '../errors/gateway-error.js';
import { toAnthropicErrorBody } from '../proxy/messages/anthropic-error-body.js';

export function installErrorHandler(app: FastifyInstance, maxRequestBytes: number): void {
  app.setErrorHandler((error: FastifyError | GatewayError | Error, request, reply) => {
    const config = request.routeOptions.config as { errorFormat?: string } | undefined;
    const answer = errorResponse(error, config, maxRequestBytes);
    if (answer.status >= 500) {
      request.log.error({ reqId: request.id, err: error }, 'request failed');
    }
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ detail: 'Not Found' });
  });
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: object;
}

/**
 * The answer to a failed request: its status, headers (`retry-after`...) and body, in the
 * LiteLLM/OpenAI error shape, or Anthropic's for routes configured with `errorFormat`.
 */
export function errorResponse(
  error: Error,
  routeConfig: { errorFormat?: string } | undefined,
  maxRequestBytes: number,
): ErrorResponse {
  const gatewayError = fromFrameworkError(error, maxRequestBytes);
  // `/v1/messages` clients get Anthropic's shape, with LiteLLM's `code` kept alongside.
  const body =
    routeConfig?.errorFormat === 'anthropic'
      ? {
          type: 'error',
          error: {
            ...toAnthropicErrorBody(gatewayError).error,
            code: String(gatewayError.status),
          },
        }
      : toErrorBody(gatewayError);
  return { status: gatewayError.status, headers: gatewayError.headers, body };
}

function fromFrameworkError(error: Error, maxRequestBytes: number): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = (error as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return bodyTooLarge(maxRequestBytes);
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new GatewayError('bad_request', `Request body is not valid JSON: ${error.message}`);
  }
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new GatewayError('bad_request', 'Request body is empty; send a JSON object');
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new GatewayError('bad_request', error.message, { status });
  }
  return asGatewayError(error);
}

/** A request body over `general_settings.max_request_size_mb`. */
export function bodyTooLarge(maxRequestBytes: number): GatewayError {
  return new GatewayError(
    'payload_too_large',
    `Request body is larger than the limit of ${maxRequestBytes} bytes (general_settings.max_request_size_mb)`,
  );
}
