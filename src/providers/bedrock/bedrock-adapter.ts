/**
 * Amazon Bedrock: chat through the Converse API (`/converse`, `/converse-stream` with binary
 * event-stream frames) and embeddings through InvokeModel, every request signed with SigV4.
 */
import type { ChatRequest } from '../../contracts/openai.js';
import type { Deployment } from '../../contracts/deployment.js';
import { parseUpstreamJson } from '../shared/classify-status.js';
import { defaultIdSource, type IdSource } from '../shared/id-source.js';
import { joinUrl } from '../shared/url.js';
import { ProviderError, type ProviderAdapter, type UpstreamRequest } from '../types.js';
import { fromBedrockEmbedResponse, toBedrockEmbedBody } from './bedrock-embedding.js';
import { parseBedrockError } from './bedrock-errors.js';
import { loadEventStreamCodec } from './bedrock-event-stream.js';
import { toConverseRequest } from './bedrock-request.js';
import { fromConverseResponse } from './bedrock-response.js';
import { AwsCredentialSource, signBedrockRequest, type AwsSettings } from './bedrock-signer.js';
import { createBedrockStreamDecoder } from './bedrock-stream.js';
import { ConverseResponseSchema } from './bedrock-wire.js';

const DISPLAY_NAME = 'Bedrock';

export function createBedrockAdapter(
  ids: IdSource = defaultIdSource,
  credentials = new AwsCredentialSource(),
): ProviderAdapter {
  const signedRequest = (
    d: Deployment,
    action: string,
    body: string,
    extra: Record<string, string>,
  ): Promise<UpstreamRequest> =>
    credentials.settingsFor(d).then((aws) => signedRequestWith(aws, d, { action, body, extra }));
  return {
    displayName: DISPLAY_NAME,
    chat: {
      buildRequest: async (chat, ctx) => {
        const merged = { ...ctx.deployment.defaults, ...chat } as ChatRequest;
        const body = JSON.stringify(toConverseRequest(merged));
        const action = ctx.stream ? 'converse-stream' : 'converse';
        if (ctx.stream) await loadEventStreamCodec();
        return signedRequest(ctx.deployment, action, body, {
          accept: ctx.stream ? 'application/vnd.amazon.eventstream' : 'application/json',
        });
      },
      parseResponse: (body, ctx) => {
        const parsed = ConverseResponseSchema.safeParse(parseUpstreamJson(body, DISPLAY_NAME));
        if (!parsed.success) {
          throw new ProviderError('bad_response', 'Bedrock returned an unexpected response shape', {
            status: 502,
          });
        }
        return fromConverseResponse(parsed.data, ctx.deployment.model, ids);
      },
      createStreamDecoder: (ctx) =>
        createBedrockStreamDecoder(DISPLAY_NAME, ctx.deployment.model, ids),
    },
    embedding: {
      buildRequest: (embed, ctx) =>
        signedRequest(
          ctx.deployment,
          'invoke',
          toBedrockEmbedBody(embed, modelId(ctx.deployment)),
          {
            accept: 'application/json',
          },
        ),
      parseResponse: (body, ctx) => fromBedrockEmbedResponse(body, modelId(ctx.deployment)),
    },
    parseError: parseBedrockError,
  };
}

/**
 * The Bedrock model id of a deployment. LiteLLM lets `bedrock/converse/<id>` and
 * `bedrock/invoke/<id>` choose the API; Converse serves every chat model, so both mean the id.
 */
function modelId(d: Deployment): string {
  return d.model.replace(/^(converse|invoke)\//, '');
}

async function signedRequestWith(
  aws: AwsSettings,
  d: Deployment,
  { action, body, extra }: { action: string; body: string; extra: Record<string, string> },
): Promise<UpstreamRequest> {
  const endpoint = d.connection.aws_bedrock_runtime_endpoint;
  const base =
    d.apiBase ??
    (typeof endpoint === 'string' && endpoint !== '' ? endpoint : undefined) ??
    `https://bedrock-runtime.${aws.region}.amazonaws.com`;
  // Model ids contain ':' and ARNs '/', which must travel percent-encoded, as the AWS SDK sends them.
  const url = joinUrl(base, `/model/${encodeURIComponent(modelId(d))}/${action}`);
  const headers = { 'content-type': 'application/json', ...extra, ...lowerCaseKeys(d.headers) };
  return { url, headers: await signBedrockRequest(url, body, headers, aws), body };
}

/** So a configured `Content-Type` replaces ours instead of going out twice. */
function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  return out;
}
