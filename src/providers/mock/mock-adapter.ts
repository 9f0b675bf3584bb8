/**
 * The built-in `mock` provider: an OpenAI-format upstream that lives inside the gateway, so the
 * quickstart works offline and every code path (parsing, streaming, usage) still runs for real.
 * Its requests go to `mock://` URLs that the transport answers with `answerMockRequest`.
 */
import type { Deployment } from '../../contracts/deployment.js';
import { createOpenAiAdapter } from '../openai/openai-adapter.js';
import type { Operation, ProviderAdapter, UpstreamRequest } from '../types.js';

export const MOCK_SCHEME = 'mock:';

export function createMockAdapter(): ProviderAdapter {
  const base = createOpenAiAdapter('openai');
  const point = (request: UpstreamRequest, d: Deployment): UpstreamRequest => ({
    ...request,
    url: request.url.replace(
      /^.*?(\/(chat\/completions|completions|embeddings|images\/generations|images\/edits|images\/variations|audio\/speech|audio\/transcriptions|audio\/translations))$/,
      `mock://${d.id}$1`,
    ),
    headers: { ...request.headers, ...mockSettingsHeaders(d) },
  });
  /**
   * `op` of the OpenAI adapter, sent to the mock instead; `tell` adds headers for what the mock
   * cannot read itself (it does not parse forms).
   */
  const aimed = <Req, Res, Chunk>(
    op: Operation<Req, Res, Chunk>,
    tell?: (request: Req) => Record<string, string>,
  ): Operation<Req, Res, Chunk> => ({
    ...op,
    buildRequest: async (request, ctx) => {
      const deployment: Deployment = { ...ctx.deployment, apiBase: 'mock://local' };
      const sent = point(await op.buildRequest(request, { ...ctx, deployment }), ctx.deployment);
      if (tell) Object.assign(sent.headers, tell(request));
      return sent;
    },
  });
  const format =
    (fallback: string) => (request: { fields: readonly (readonly [string, string])[] }) => ({
      'x-mock-response-format': Object.fromEntries(request.fields).response_format ?? fallback,
    });
  return {
    ...base,
    displayName: 'Mock',
    // /v1/responses reaches the mock through the chat bridge: it answers chat, not OpenAI's own
    // Responses API; it has no moderation endpoint either.
    responses: undefined,
    moderation: undefined,
    chat: aimed(base.chat),
    completion: base.completion && aimed(base.completion),
    embedding: base.embedding && aimed(base.embedding),
    imageGeneration: base.imageGeneration && aimed(base.imageGeneration),
    imageEdit:
      base.imageEdit &&
      aimed(base.imageEdit, (request) => ({
        ...format('url')(request),
        'x-mock-image-n': String(request.n ?? 1),
      })),
    imageVariation:
      base.imageVariation &&
      aimed(base.imageVariation, (request) => ({
        ...format('url')(request),
        'x-mock-image-n': String(request.n ?? 1),
      })),
    speech: base.speech && aimed(base.speech),
    transcription: base.transcription && aimed(base.transcription, format('json')),
    translation: base.translation && aimed(base.translation, format('json')),
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
