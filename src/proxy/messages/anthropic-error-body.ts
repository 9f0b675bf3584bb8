/**
 * The Anthropic-format rendering of a GatewayError, for `/v1/messages` clients: Anthropic SDKs
 * read `error.type` to pick their exception class (RateLimitError, OverloadedError, …).
 */
import type { AnthropicErrorBody } from '../../contracts/anthropic.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { anthropicErrorType } from '../../providers/anthropic/anthropic-errors.js';

export function toAnthropicErrorBody(error: GatewayError): AnthropicErrorBody {
  return {
    type: 'error',
    error: { type: anthropicErrorType(error.status), message: error.message },
  };
}
