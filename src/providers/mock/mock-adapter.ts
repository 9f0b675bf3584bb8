/**
 * The built-in `mock` provider: an OpenAI-format upstream that lives inside the gateway, so the
 * quickstart works offline and every code path (parsing, streaming, usage) still runs for real.
 * Its requests go to `mock://` URLs that the transport answers with `answerMockRequest`.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { createOpenAiAdapter } from '../openai/openai-adapter.js';
import type { TranscriptionRequest, TranscriptionResponse } from '../../contracts/openai.js';
import type { Operation, ProviderAdapter, UpstreamRequest } from '../types.js';

export const MOCK_SCHEME = 'mock:';

export function createMockAdapter(): ProviderAdapter {
  const base = createOpenAiAdapter('openai');
  const point = (request: UpstreamRequest, d: Deployment): UpstreamRequest => ({
    ...request,
    url: request.url.replace(
      /^.*?(\/(chat\/completions|completions|embeddings|images\/generations|images\/edits|audio\/speech|audio\/transcriptions|audio\/translations))$/,
      `mock://${d.id}$1`,
    ),
    headers: { ...request.headers, ...mockSettingsHeaders(d) },
  });
  const withBase = (d: Deployment): Deployment => ({ ...d, apiBase: 'mock://local' });
  /** The mock does not read forms: it is told the format to answer in. */
  const mockAudioToText = (
    op: Operation<TranscriptionRequest, TranscriptionResponse, never>,
  ): Operation<TranscriptionRequest, TranscriptionResponse, never> => ({
    ...op,
    buildRequest: async (request, ctx) => {
      const sent = point(
        await op.buildRequest(request, { ...ctx, deployment: withBase(ctx.deployment) }),
        ctx.deployment,
      );
      sent.headers['x-mock-response-format'] = request.response_format ?? 'json';
      return sent;
    },
  });
  return {
    ...base,
    displayName: 'Mock',
    // /v1/responses reaches the mock through the chat bridge: it answers chat, not OpenAI's own
    // Responses API; it has no moderation endpoint either.
    responses: undefined,
    moderation: undefined,
    chat: {
      ...base.chat,
      buildRequest: async (request, ctx) =>
        point(
          await base.chat.buildRequest(request, { ...ctx, deployment: withBase(ctx.deployment) }),
          ctx.deployment,
        ),
    },
    completion: base.completion && {
      ...base.completion,
      buildRequest: async (request, ctx) =>
        point(
          await base.completion!.buildRequest(request, {
            ...ctx,
            deployment: withBase(ctx.deployment),
          }),
          ctx.deployment,
        ),
    },
    embedding: base.embedding && {
      ...base.embedding,
      buildRequest: async (request, ctx) =>
        point(
          await base.embedding!.buildRequest(request, {
            ...ctx,
            deployment: withBase(ctx.deployment),
          }),
          ctx.deployment,
        ),
    },
    imageEdit: base.imageEdit && {
      ...base.imageEdit,
      buildRequest: async (request, ctx) => {
        const sent = point(
          await base.imageEdit!.buildRequest(request, {
            ...ctx,
            deployment: withBase(ctx.deployment),
          }),
          ctx.deployment,
        );
        // The mock does not read forms: it is told how many images, and how.
        const fields = Object.fromEntries(request.fields);
        sent.headers['x-mock-image-n'] = String(request.n ?? 1);
        sent.headers['x-mock-response-format'] = fields.response_format ?? 'url';
        return sent;
      },
    },
    transcription: base.transcription && mockAudioToText(base.transcription),
    translation: base.translation && mockAudioToText(base.translation),
    speech: base.speech && {
      ...base.speech,
      buildRequest: async (request, ctx) =>
        point(
          await base.speech!.buildRequest(request, {
            ...ctx,
            deployment: withBase(ctx.deployment),
          }),
          ctx.deployment,
        ),
    },
    imageGeneration: base.imageGeneration && {
      ...base.imageGeneration,
      buildRequest: async (request, ctx) =>
        point(
          await base.imageGeneration!.buildRequest(request, {
            ...ctx,
            deployment: withBase(ctx.deployment),
          }),
          ctx.deployment,
        ),
    },
  };
}

function mockSettingsHeaders(d: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  const {
    mock_response: response,
    mock_latency_ms: latency,
    mock_chunk_delay_ms: chunkDelay,
  } = d.connection;
  if (typeof response === 'string') out['x-mock-response'] = encodeURIComponent(response);
  if (typeof latency === 'number') out['x-mock-latency-ms'] = String(latency);
  if (typeof chunkDelay === 'number') out['x-mock-chunk-delay-ms'] = String(chunkDelay);
  return out;
}
