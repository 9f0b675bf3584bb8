/**
 * `POST /v1/images/generations` (and `/images/generations`, and Azure's
 * `/openai/deployments/{model}/images/generations`): OpenAI's image generation
 * (`client.images.generate`), passed to an OpenAI-family or Azure deployment and its answer back
 * unchanged. The model is optional, as in OpenAI's API: without one, the first model the caller
 * may use whose `model_info.mode` is `image_generation` draws.
 *
 * Priced as the deployment is: by the image (`output_cost_per_image`), by the pixel of the size
 * asked for (`input_cost_per_pixel`), or by the tokens token-priced models report (gpt-image-1).
 * The call reserves its worst case first: `n` images at their size, and at most
 * IMAGE_OUTPUT_TOKENS output tokens each.
 */
import type { FastifyInstance } from 'fastify';
import {
  ImageGenerationRequestSchema,
  type ImageGenerationRequest,
  type ImageGenerationResponse,
  type ImageUsage,
  type Usage,
} from '../contracts/openai.js';
import { GatewayError } from '../errors/gateway-error.js';
import { rawJsonOf } from '../providers/shared/raw-json.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { DEFAULT_IMAGE_PIXELS, imagePixels } from '../spend/meter.js';
import type { MediaUnits } from '../spend/types.js';
import { modelOrDefault, requireOperation } from './optional-operations.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, sendPricedJson } from './proxy-routes.js';
import type { ProxyService } from './proxy-service.js';

export interface ImagesRouteDeps {
  service: ProxyService;
  /** Serves the exact paths in front of Fastify when given. */
  lane?: FastLane;
}

export function registerImagesRoute(app: FastifyInstance, deps: ImagesRouteDeps): void {
  for (const path of [
    '/v1/images/generations',
    '/images/generations',
    '/openai/deployments/:model/images/generations',
  ]) {
    app.post(path, (request, reply) => handleImages(request, reply, deps));
    if (!path.includes(':')) {
      deps.lane?.post(path, (request, reply) => handleImages(request, reply, deps));
    }
  }
}

const imageGenerationOf = requireOperation(
  'imageGeneration',
  'image generation endpoint',
  'images are drawn by OpenAI-compatible and Azure deployments (model: openai/gpt-image-1)',
);

async function handleImages(
  request: RouteRequest,
  reply: RouteReply,
  deps: ImagesRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const pathModel = (request.params as { model?: string } | undefined)?.model;
  const body = parseBody(ImageGenerationRequestSchema, request.body);
  const model = modelOrDefault(
    pathModel ?? body.model,
    deps.service,
    principal,
    'image_generation',
  );
  const result = await deps.service.call<
    ImageGenerationRequest & { model: string },
    ImageGenerationResponse,
    never
  >(imageGenerationOf, { ...body, model }, principal, {
    requestId: request.callId,
    cancel: abortOnDisconnect(reply),
    callType: 'aimage_generation',
  });
  if (result.kind !== 'json') {
    throw new GatewayError('internal_server_error', 'an image generation answered with a stream');
  }
  const text = rawJsonOf(result.value) ?? JSON.stringify(result.value);
  return sendPricedJson(reply, deps.service, {
    meta: result.meta,
    value: {
      body: text,
      usage: tokenUsageOf(result.value.usage),
      units: unitsOf(result.value, body.size),
    },
  });
}

/** The images drawn, and their pixels at the size asked for (OpenAI's default when none). */
function unitsOf(answer: ImageGenerationResponse, size: unknown): MediaUnits {
  const images = answer.data.length;
  return { images, pixels: images * (imagePixels(size) ?? DEFAULT_IMAGE_PIXELS) };
}

/** gpt-image-1's `input_tokens` / `output_tokens`, as the prompt and completion tokens of a call. */
function tokenUsageOf(usage: ImageUsage | undefined): Usage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const prompt = count(usage.input_tokens);
  const completion = count(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: count(usage.total_tokens) || prompt + completion,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
