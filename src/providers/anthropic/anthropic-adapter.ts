/**
 * The Anthropic adapter: OpenAI chat requests to the Messages API and back. Anthropic has no
 * embeddings endpoint, and legacy completions run through `chat` like for every chat-only provider.
 */
import type { ProviderAdapter } from '../types.js';
import { parseAnthropicError } from './anthropic-errors.js';
import { buildAnthropicRequest } from './anthropic-request.js';
import { parseAnthropicResponse } from './anthropic-response.js';
import { createAnthropicStreamDecoder } from './anthropic-stream.js';

const DISPLAY_NAME = 'Anthropic';

export function createAnthropicAdapter(): ProviderAdapter {
  return {
    displayName: DISPLAY_NAME,
    chat: {
      buildRequest: buildAnthropicRequest,
      parseResponse: (body) => parseAnthropicResponse(body, DISPLAY_NAME),
      createStreamDecoder: () => createAnthropicStreamDecoder(DISPLAY_NAME),
    },
    parseError: parseAnthropicError,
  };
}
