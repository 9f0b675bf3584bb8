/**
 * Vertex AI (`vertex_ai/gemini-2.0-flash`): Google's models through a Google Cloud project,
 * `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/
 * publishers/google/models/{model}:generateContent` (`:streamGenerateContent?alt=sse`), with an
 * OAuth access token of the project's credentials (google-tokens.ts). The request and answer are
 * the Gemini API's (the Gemini adapter's translation); embeddings (`text-embedding-005`,
 * `gemini-embedding-001`) use Vertex's `:predict`. Anthropic's Claude models on Vertex
 * (`vertex_ai/claude-sonnet-4@20250514`) take the Messages API body at
 * `publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict`), with
 * `anthropic_version: vertex-2023-10-16` in it instead of the model, and answer as Anthropic does.
 *
 * Where, as LiteLLM reads it: `vertex_project` (else `VERTEXAI_PROJECT`, else the service
 * account's `project_id`), `vertex_location` (else `VERTEXAI_LOCATION`, else `us-central1`;
 * `global` is served at `aiplatform.googleapis.com`); `api_base` replaces the host.
 */
import type { ChatRequest, EmbeddingRequest, EmbeddingResponse } from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { readEmbeddingTexts, toEmbeddingList } from '../shared/embedding-list.js';
import { defaultIdSource, type IdSource } from '../shared/id-source.js';
import { joinUrl } from '../shared/url.js';
import { parseAnthropicError } from '../anthropic/anthropic-errors.js';
import { anthropicRequestBody } from '../anthropic/anthropic-request.js';
import { parseAnthropicResponse } from '../anthropic/anthropic-response.js';
import { createAnthropicStreamDecoder } from '../anthropic/anthropic-stream.js';
import { parseGeminiError } from '../gemini/gemini-errors.js';
import { toGeminiRequest } from '../gemini/gemini-request.js';
import { fromGeminiResponse } from '../gemini/gemini-response.js';
import { createGeminiStreamDecoder } from '../gemini/gemini-stream.js';
import { GeminiResponseSchema } from '../gemini/gemini-wire.js';
import { ProviderError, type ProviderAdapter, type UpstreamRequest } from '../types.js';
import { GoogleTokens } from './google-tokens.js';

const DISPLAY_NAME = 'Vertex AI';
const DEFAULT_LOCATION = 'us-central1';
/** The Messages API version Claude on Vertex AI takes, in the body. */
const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** Anthropic's models, served by Vertex under the `anthropic` publisher. */
function isClaude(d: Deployment): boolean {
  return /^(publishers\/anthropic\/models\/)?claude/.test(d.model);
}

export function createVertexAdapter(
  tokens = new GoogleTokens(),
  ids: IdSource = defaultIdSource,
): ProviderAdapter {
  const request = async (d: Deployment, method: string, body: string): Promise<UpstreamRequest> => {
    const [authorization, url] = await Promise.all([
      tokens.authorization(d),
      methodUrl(d, method, tokens),
    ]);
    return {
      url,
      headers: { 'content-type': 'application/json', authorization, ...d.headers },
      body,
    };
  };
  return {
    displayName: DISPLAY_NAME,
    chat: {
      buildRequest: (chat, ctx) => {
        if (isClaude(ctx.deployment)) {
          const body = anthropicRequestBody(chat, ctx);
          delete body.model;
          body.anthropic_version = VERTEX_ANTHROPIC_VERSION;
          const method = ctx.stream ? 'streamRawPredict' : 'rawPredict';
          return request(ctx.deployment, method, JSON.stringify(body));
        }
        const merged = { ...ctx.deployment.defaults, ...chat } as ChatRequest;
        const body = JSON.stringify(toGeminiRequest(merged));
        const method = ctx.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
        return request(ctx.deployment, method, body);
      },
      parseResponse: (body, ctx) => {
        if (isClaude(ctx.deployment)) return parseAnthropicResponse(body, DISPLAY_NAME);
        const parsed = GeminiResponseSchema.safeParse(parseUpstreamJson(body, DISPLAY_NAME));
        if (!parsed.success) {
          throw new ProviderError(
            'bad_response',
            'Vertex AI returned an unexpected response shape',
            { status: 502 },
          );
        }
        return fromGeminiResponse(parsed.data, ctx.deployment.model, ids);
      },
      createStreamDecoder: (ctx) =>
        isClaude(ctx.deployment)
          ? createAnthropicStreamDecoder(DISPLAY_NAME)
          : createGeminiStreamDecoder(DISPLAY_NAME, ctx.deployment.model, ids),
    },
    embedding: {
      buildRequest: (embed, ctx) => request(ctx.deployment, 'predict', toPredictRequest(embed)),
      parseResponse: (body, ctx) => fromPredictResponse(body, ctx.deployment.model),
    },
    // Claude's own errors come in Anthropic's shape; Vertex's (auth, quota) in Google's.
    parseError: (status, body, headers) =>
      body.includes('"type":"error"') || body.includes('"type": "error"')
        ? parseAnthropicError(status, body, headers)
        : parseGeminiError(status, body, headers),
  };
}

async function methodUrl(d: Deployment, method: string, tokens: GoogleTokens): Promise<string> {
  const location = text(d.connection.vertex_location) ?? DEFAULT_LOCATION;
  const project =
    text(d.connection.vertex_project) ?? text((await tokens.credentialsOf(d))?.project_id);
  if (!project) {
    throw new ProviderError(
      'bad_request',
      `Vertex AI model ${d.modelName}: set vertex_project (or VERTEXAI_PROJECT) to the Google Cloud project to call`,
      { status: 400 },
    );
  }
  const host =
    d.apiBase ??
    (location === 'global'
      ? 'https://aiplatform.googleapis.com'
      : `https://${location}-aiplatform.googleapis.com`);
  const model = d.model.replace(/^(models|publishers\/(google|anthropic)\/models)\//, '');
  const publisher = isClaude(d) ? 'anthropic' : 'google';
  return joinUrl(
    host,
    `/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}` +
      `/publishers/${publisher}/models/${encodeURIComponent(model).replaceAll('%40', '@')}:${method}`,
  );
}

/** OpenAI embeddings → Vertex `:predict`: one instance per input. */
export function toPredictRequest(request: EmbeddingRequest): string {
  const texts = readEmbeddingTexts(request.input, DISPLAY_NAME);
  return JSON.stringify({
    instances: texts.map((content) => ({ content })),
    ...(request.dimensions !== undefined && {
      parameters: { outputDimensionality: request.dimensions },
    }),
  });
}

interface PredictResponse {
  predictions?: { embeddings?: { values?: number[]; statistics?: { token_count?: number } } }[];
}

export function fromPredictResponse(body: string, model: string): EmbeddingResponse {
  const parsed = parseUpstreamJson(body, DISPLAY_NAME) as PredictResponse;
  const predictions = parsed?.predictions;
  if (
    !Array.isArray(predictions) ||
    predictions.some((p) => !Array.isArray(p.embeddings?.values))
  ) {
    throw new ProviderError(
      'bad_response',
      'Vertex AI returned embeddings in an unexpected shape',
      {
        status: 502,
      },
    );
  }
  const tokens = predictions.reduce(
    (sum, p) => sum + (p.embeddings?.statistics?.token_count ?? 0),
    0,
  );
  return toEmbeddingList(
    predictions.map((p) => p.embeddings!.values!),
    model,
    tokens,
  );
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
