/**
 * The OpenAI adapter, and through OPENAI_FAMILY every OpenAI-compatible vendor: the request is
 * already in the right format, so the work is the URL, the headers, and always asking for usage.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  EmbeddingResponse,
  ImageEditRequest,
  ImageGenerationResponse,
  ModerationResponse,
  RerankRequest,
  RerankResponse,
  TextCompletion,
} from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { keepRawJson } from '../shared/raw-json.js';
import { joinUrl, upstreamBody } from '../shared/url.js';
import {
  ProviderError,
  type Operation,
  type CallContext,
  type ProviderAdapter,
  type TextCompletionChunk,
} from '../types.js';
import { parseOpenAiError } from './openai-errors.js';
import { azureAiKeyHeader, azureAiUrl, flattenTextContent } from './azure-ai.js';
import { OPENAI_FAMILY, type OpenAiFlavor } from './openai-family.js';
import { createOpenAiResponsesOperation } from './openai-responses.js';
import { createOpenAiStreamDecoder } from './openai-stream.js';
import { passBytes } from '../shared/pass-bytes.js';
import { createFormOperation, createTranscriptionOperation } from './openai-form.js';

export function createOpenAiAdapter(provider: string): ProviderAdapter {
  const flavor: OpenAiFlavor = OPENAI_FAMILY[provider] ?? { displayName: provider };
  const { displayName } = flavor;

  const url = (d: Deployment, path: string) => {
    const base = d.apiBase ?? flavor.defaultApiBase;
    if (!base) {
      throw new ProviderError(
        'bad_request',
        `${displayName} needs api_base for model ${d.modelName}`,
        {
          status: 400,
        },
      );
    }
    return flavor.azureAi ? azureAiUrl(base, path, d.apiVersion) : joinUrl(base, path);
  };

  /** Cohere's rerank has an address of its own unless the deployment names another base. */
  const rerankUrl = (d: Deployment): string => {
    const rerank = flavor.rerank;
    if (rerank === undefined || 'path' in rerank) return url(d, rerank?.path ?? '/rerank');
    return d.apiBase && !d.apiBase.includes('/compatibility')
      ? joinUrl(d.apiBase, '/v2/rerank')
      : rerank.url;
  };

  const headers = (d: Deployment): Record<string, string> => {
    const out: Record<string, string> = { 'content-type': 'application/json' };
    if (d.apiKey) {
      if (flavor.azureAi && d.apiBase && azureAiKeyHeader(d.apiBase)) out['api-key'] = d.apiKey;
      else out.authorization = `Bearer ${d.apiKey}`;
    }
    if (d.organization) out['openai-organization'] = d.organization;
    return Object.assign(out, d.headers);
  };

  const withUsage = (body: Record<string, unknown>, ctx: CallContext) => {
    if (ctx.stream) {
      body.stream = true;
      const options = (body.stream_options as Record<string, unknown> | null | undefined) ?? {};
      body.stream_options = { ...options, include_usage: true };
    } else {
      delete body.stream_options;
    }
    return body;
  };

  const expectObject = <T>(body: string, field: string): T => {
    const json = parseUpstreamJson(body, displayName) as Record<string, unknown> | null;
    if (!json || typeof json !== 'object' || !Array.isArray(json[field])) {
      throw new ProviderError(
        'bad_response',
        `${displayName} returned a response without ${field}`,
        {
          status: 502,
        },
      );
    }
    // Forwarded as it came: the route can send this text instead of serialising the object.
    return keepRawJson(json, body) as T;
  };

  return {
    displayName,
    chat: {
      buildRequest: (request, ctx) => {
        const body = withUsage(
          upstreamBody(request, ctx.deployment.defaults, ctx.deployment.model),
          ctx,
        );
        if (flavor.textContentAsString) body.messages = flattenTextContent(body.messages);
        return {
          url: url(ctx.deployment, '/chat/completions'),
          headers: headers(ctx.deployment),
          body: JSON.stringify(body),
        };
      },
      parseResponse: (body) => expectObject<ChatCompletion>(body, 'choices'),
      createStreamDecoder: () => createOpenAiStreamDecoder<ChatCompletionChunk>(displayName),
    },
    completion: {
      buildRequest: (request, ctx) => ({
        url: url(ctx.deployment, '/completions'),
        headers: headers(ctx.deployment),
        body: JSON.stringify(
          withUsage(upstreamBody(request, ctx.deployment.defaults, ctx.deployment.model), ctx),
        ),
      }),
      parseResponse: (body) => expectObject<TextCompletion>(body, 'choices'),
      createStreamDecoder: () => createOpenAiStreamDecoder<TextCompletionChunk>(displayName),
    },
    embedding: {
      buildRequest: (request, ctx) => ({
        url: url(ctx.deployment, '/embeddings'),
        headers: headers(ctx.deployment),
        body: JSON.stringify(upstreamBody(request, {}, ctx.deployment.model)),
      }),
      parseResponse: (body) => withPromptTokens(expectObject<EmbeddingResponse>(body, 'data')),
    },
    // OpenAI's transcriptions; compatible vendors that serve them (Groq, Fireworks, ...) answer
    // the same path.
    transcription: createTranscriptionOperation({
      url: (d) => url(d, '/audio/transcriptions'),
      headers,
    }),
    ...(flavor.rerank && {
      rerank:
        'voyage' in flavor.rerank
          ? voyageRerank(rerankUrl, headers, displayName)
          : {
              buildRequest: (request, ctx) => ({
                url: rerankUrl(ctx.deployment),
                headers: headers(ctx.deployment),
                body: JSON.stringify(upstreamBody(request, {}, ctx.deployment.model)),
              }),
              parseResponse: (body) => expectObject<RerankResponse>(body, 'results'),
            },
    }),
    // OpenAI's images endpoint; compatible vendors that serve one (xAI, Together, ...) answer the
    // same path, the others answer it with their own 404.
    imageGeneration: {
      buildRequest: (request, ctx) => ({
        url: url(ctx.deployment, '/images/generations'),
        headers: headers(ctx.deployment),
        body: JSON.stringify(upstreamBody(request, {}, ctx.deployment.model)),
      }),
      parseResponse: (body) => expectObject<ImageGenerationResponse>(body, 'data'),
    },
    // OpenAI itself serves the Responses API, moderations, speech and translations;
    // OpenAI-compatible vendors are bridged to chat for the first and have none of the others.
    ...(provider === 'openai' && {
      imageEdit: createFormOperation<ImageEditRequest, ImageGenerationResponse>(
        { url: (d) => url(d, '/images/edits'), headers },
        (body) => expectObject<ImageGenerationResponse>(body, 'data'),
      ),
      imageVariation: createFormOperation<ImageEditRequest, ImageGenerationResponse>(
        { url: (d) => url(d, '/images/variations'), headers },
        (body) => expectObject<ImageGenerationResponse>(body, 'data'),
      ),
      translation: createTranscriptionOperation({
        url: (d) => url(d, '/audio/translations'),
        headers,
      }),
      speech: {
        buildRequest: (request, ctx) => ({
          url: url(ctx.deployment, '/audio/speech'),
          headers: headers(ctx.deployment),
          body: JSON.stringify(upstreamBody(request, {}, ctx.deployment.model)),
        }),
        parseResponse: () => {
          throw new ProviderError('bad_response', `${displayName} speech is read as a stream`);
        },
        createStreamDecoder: passBytes,
      },
      moderation: {
        buildRequest: (request, ctx) => ({
          url: url(ctx.deployment, '/moderations'),
          headers: headers(ctx.deployment),
          body: JSON.stringify(upstreamBody(request, {}, ctx.deployment.model)),
        }),
        parseResponse: (body) => expectObject<ModerationResponse>(body, 'results'),
      },
      responses: createOpenAiResponsesOperation({
        displayName,
        url: (d) => url(d, '/responses'),
        headers,
      }),
    }),
    parseError: parseOpenAiError,
  };
}

/**
 * Vendors that report an embedding's tokens as `total_tokens` only (Voyage): the prompt tokens the
 * bill counts. The answer's own text, forwarded to the client, is left as it came.
 */
function withPromptTokens(answer: EmbeddingResponse): EmbeddingResponse {
  const usage = answer.usage as { prompt_tokens?: number; total_tokens?: number } | undefined;
  if (usage && usage.prompt_tokens === undefined && typeof usage.total_tokens === 'number') {
    usage.prompt_tokens = usage.total_tokens;
  }
  return answer;
}

/** Voyage's rerank: Cohere's request with `top_k` for `top_n`; its `data` answered as `results`. */
function voyageRerank(
  rerankUrl: (d: Deployment) => string,
  headers: (d: Deployment) => Record<string, string>,
  displayName: string,
): Operation<RerankRequest, RerankResponse, never> {
  return {
    buildRequest: (request, ctx) => {
      const { top_n: topN, ...rest } = request;
      const body = upstreamBody(rest, {}, ctx.deployment.model);
      if (topN !== undefined && topN !== null) body.top_k = topN;
      return {
        url: rerankUrl(ctx.deployment),
        headers: headers(ctx.deployment),
        body: JSON.stringify(body),
      };
    },
    parseResponse: (body) => {
      const json = parseUpstreamJson(body, displayName) as {
        data?: unknown;
        model?: string;
        usage?: RerankResponse['usage'];
      } | null;
      if (!json || !Array.isArray(json.data)) {
        throw new ProviderError('bad_response', `${displayName} returned a response without data`, {
          status: 502,
        });
      }
      return {
        results: json.data as RerankResponse['results'],
        model: json.model,
        usage: json.usage,
      };
    },
  };
}
