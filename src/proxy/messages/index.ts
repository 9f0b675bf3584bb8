/**
 * Translation for the `/v1/messages` route when the deployment does not speak Anthropic. Pure
 * functions and one stream encoder; the route owns HTTP. Anthropic deployments skip all of this
 * and use `providers/anthropic/native.ts`.
 */
export { anthropicToOpenAiRequest } from './anthropic-to-openai-request.js';
export { openAiToAnthropicResponse } from './openai-to-anthropic-response.js';
export { AnthropicStreamEncoder } from './anthropic-stream-encoder.js';
export { toAnthropicErrorBody } from './anthropic-error-body.js';
