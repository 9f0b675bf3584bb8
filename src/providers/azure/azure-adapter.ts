/**
 * Azure OpenAI: the OpenAI wire format behind a different address and key header. The OpenAI
 * adapter builds the bodies and parses the answers; this adapter re-aims each request at the
 * deployment URL, authenticates with `api-key`, and cleans up Azure's stream extras.
 */
import type {
  ChatCompletionChunk,
  ChatRequest,
  CompletionRequest,
  EmbeddingRequest,
  ImageEditRequest,
  ImageGenerationRequest,
  ImageGenerationResponse,
  SpeechRequest,
} from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { createOpenAiAdapter } from '../openai/openai-adapter.js';
import { createOpenAiResponsesOperation } from '../openai/openai-responses.js';
import { passBytes } from '../shared/pass-bytes.js';
import { createFormOperation, createTranscriptionOperation } from '../openai/openai-form.js';
import {
  ProviderError,
  type CallContext,
  type Operation,
  type ProviderAdapter,
  type TextCompletionChunk,
  type UpstreamRequest,
} from '../types.js';
import { parseAzureError } from './azure-errors.js';
import { EntraTokens } from './entra-token.js';
import { createAzureStreamDecoder } from './azure-stream.js';
import {
  acceptsStreamOptions,
  apiVersionOf,
  azureDeploymentName,
  azureResponsesUrl,
  azureUrl,
  type AzureOperation,
} from './azure-url.js';

const DISPLAY_NAME = 'Azure';

export function createAzureAdapter(entra = new EntraTokens()): ProviderAdapter {
  const base = createOpenAiAdapter(DISPLAY_NAME);
  const headers = (d: Deployment) => azureHeaders(d, entra);
  const { chat, completion, embedding, imageGeneration } = base;
  return {
    displayName: DISPLAY_NAME,
    chat: {
      ...chat,
      buildRequest: reaim(chat, '/chat/completions', headers),
      createStreamDecoder: () =>
        createAzureStreamDecoder<ChatCompletionChunk>(DISPLAY_NAME, 'chat'),
    },
    completion: completion && {
      ...completion,
      buildRequest: reaim(completion, '/completions', headers),
      createStreamDecoder: () =>
        createAzureStreamDecoder<TextCompletionChunk>(DISPLAY_NAME, 'text'),
    },
    embedding: embedding && {
      ...embedding,
      buildRequest: reaim(embedding, '/embeddings', headers),
    },
    imageGeneration: imageGeneration && {
      ...imageGeneration,
      buildRequest: reaim(imageGeneration, '/images/generations', headers),
    },
    // Azure serves OpenAI's image edits (gpt-image-1, dall-e-2) per deployment; the answer is a
    // generation's.
    imageEdit: imageGeneration && {
      ...createFormOperation<ImageEditRequest, ImageGenerationResponse>(
        {
          url: (d) => azureUrl(d, '/images/edits'),
          headers,
          model: (d) => azureDeploymentName(d.model),
        },
        (body, ctx) => imageGeneration.parseResponse(body, ctx),
      ),
    },
    // Azure serves OpenAI's whisper and gpt-4o-transcribe per deployment.
    transcription: createTranscriptionOperation({
      url: (d) => azureUrl(d, '/audio/transcriptions'),
      headers,
      model: (d) => azureDeploymentName(d.model),
    }),
    translation: createTranscriptionOperation({
      url: (d) => azureUrl(d, '/audio/translations'),
      headers,
      model: (d) => azureDeploymentName(d.model),
    }),
    // Azure serves OpenAI's speech models (tts, gpt-4o-mini-tts) per deployment.
    speech: {
      buildRequest: reaim(openAiSpeech(), '/audio/speech', headers),
      parseResponse: () => {
        throw new ProviderError('bad_response', 'Azure speech is read as a stream');
      },
      createStreamDecoder: passBytes,
    },
    // Azure serves OpenAI's Responses API itself, per resource: passed through like OpenAI's.
    responses: createOpenAiResponsesOperation({
      displayName: DISPLAY_NAME,
      url: azureResponsesUrl,
      headers,
      model: (d) => azureDeploymentName(d.model),
    }),
    parseError: parseAzureError,
  };
}

type AnyRequest =
  ChatRequest | CompletionRequest | EmbeddingRequest | ImageGenerationRequest | SpeechRequest;

/** OpenAI's own speech operation, whose body the Azure one sends. */
function openAiSpeech(): Operation<SpeechRequest, never, Uint8Array> {
  const speech = createOpenAiAdapter('openai').speech;
  if (!speech) throw new Error('the OpenAI adapter has a speech operation');
  return speech;
}

/** Wraps an OpenAI `buildRequest` so the request goes to the Azure deployment URL. */
function reaim<Req extends AnyRequest>(
  op: Operation<Req, unknown, unknown>,
  operation: AzureOperation,
  headers: (d: Deployment) => Promise<Record<string, string>>,
): (request: Req, ctx: CallContext) => Promise<UpstreamRequest> {
  return async (request, ctx) => {
    const d = ctx.deployment;
    const url = azureUrl(d, operation);
    // The OpenAI adapter only contributes the body: no bearer key, organization or extra headers.
    const neutral: Deployment = {
      ...d,
      apiBase: url,
      apiKey: undefined,
      organization: undefined,
      headers: {},
    };
    const upstream = await op.buildRequest(request, { ...ctx, deployment: neutral });
    return {
      ...upstream,
      url,
      headers: await headers(d),
      body: upstream.body && fitBodyToApiVersion(upstream.body, apiVersionOf(url), ctx.stream),
    };
  };
}

/** An `api-key`, or an Entra ID bearer token when the deployment is set up for one. */
async function azureHeaders(d: Deployment, entra: EntraTokens): Promise<Record<string, string>> {
  if (d.connection.azure_username !== undefined || d.connection.azure_password !== undefined) {
    throw new ProviderError(
      'bad_request',
      `Azure model ${d.modelName}: sign-in with azure_username and azure_password is not supported; use tenant_id, client_id and client_secret (a service principal), azure_ad_token, or api_key`,
      { status: 400 },
    );
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const authorization = await entra.authorization(d);
  if (authorization) headers.authorization = authorization;
  else if (d.apiKey) headers['api-key'] = d.apiKey;
  return Object.assign(headers, d.headers);
}

/** Older API versions refuse `stream_options`; without it they simply send no usage chunk. */
function fitBodyToApiVersion(body: string, apiVersion: string, stream: boolean): string {
  if (!stream || acceptsStreamOptions(apiVersion)) return body;
  const json = JSON.parse(body) as Record<string, unknown>;
  delete json.stream_options;
  return JSON.stringify(json);
}
