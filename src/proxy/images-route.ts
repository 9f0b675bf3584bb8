/**
 * `POST /v1/images/generations` (and `/images/generations`, and Azure's
 * `/openai/deployments/{model}/images/generations`): OpenAI's image generation
 * (`client.images.generate`), passed to an OpenAI-family or Azure deployment and its answer back
 * unchanged. `POST /v1/images/edits` (`client.images.edit`): the same from a multipart form with
 * the images to edit (`image`, `image[]`) and a `mask`, for OpenAI and Azure deployments. The model is optional, as in OpenAI's API: without one, the first model the caller
 * may use whose `model_info.mode` is `image_generation` draws.
 *
 * Priced as the deployment is: by the image (`output_cost_per_image`), by the pixel of the size
 * asked for (`input_cost_per_pixel`), or by the tokens token-priced models report (gpt-image-1).
 * The call reserves its worst case first: `n` images at their size, and at most
 * IMAGE_OUTPUT_TOKENS output tokens each.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ImageEditFieldsSchema,
  type ImageEditRequest,
  ImageVariationFieldsSchema,
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
import { firstValues, readForm, registerFormRoutes, type FormRules } from './multipart-form.js';
import { modelOrDefault, requireOperation } from './optional-operations.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, sendPricedJson } from './proxy-routes.js';
import type { CallMeta, OperationResolver, ProxyService } from './proxy-service.js';

export interface ImagesRouteDeps {
  service: ProxyService;
  /** Serves the exact paths in front of Fastify when given. */
  lane?: FastLane;
  /** The gateway's request size limit: the largest image file accepted. */
  maxFileBytes: number;
}

/** The image routes that take a multipart form: what each reads, checks and calls. */
interface ImageForm {
  path: 'edits' | 'variations';
  form: FormRules;
  fields: typeof ImageEditFieldsSchema | typeof ImageVariationFieldsSchema;
  operation: OperationResolver;
  callType: 'aimage_edit' | 'aimage_variation';
}

/** An edit: up to 16 images (`image`, `image[]`), a `mask`, and a `prompt`. */
const EDIT: ImageForm = {
  path: 'edits',
  form: { fileFields: ['image', 'image[]', 'mask'], maxFiles: 17, what: 'the images' },
  fields: ImageEditFieldsSchema,
  operation: requireOperation(
    'imageEdit',
    'image edit endpoint',
    'image edits go to OpenAI and Azure deployments (model: openai/gpt-image-1)',
  ),
  callType: 'aimage_edit',
};

/** A variation: one `image` (dall-e-2), no prompt. */
const VARIATION: ImageForm = {
  path: 'variations',
  form: { fileFields: ['image'], maxFiles: 1, what: 'the image' },
  fields: ImageVariationFieldsSchema,
  operation: requireOperation(
    'imageVariation',
    'image variation endpoint',
    'image variations go to OpenAI deployments (model: openai/dall-e-2)',
  ),
  callType: 'aimage_variation',
};

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
  registerFormRoutes(app, deps.maxFileBytes, (scope) => {
    for (const kind of [EDIT, VARIATION]) {
      for (const path of [
        `/v1/images/${kind.path}`,
        `/images/${kind.path}`,
        `/openai/deployments/:model/images/${kind.path}`,
      ]) {
        scope.post(path, (request, reply) => handleForm(request, reply, deps, kind));
      }
    }
  });
}

async function handleForm(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ImagesRouteDeps,
  kind: ImageForm,
): Promise<unknown> {
  const principal = principalOf(request);
  const { fields, files } = await readForm(request, kind.form, deps.maxFileBytes);
  if (!files.some(([name]) => name !== 'mask')) {
    throw new GatewayError('bad_request', 'Invalid request body: image: an image is required', {
      param: 'image',
    });
  }
  const pathModel = (request.params as { model?: string } | undefined)?.model;
  const given = firstValues(fields);
  const checked = parseBody(kind.fields, given);
  const model = modelOrDefault(
    pathModel ?? checked.model,
    deps.service,
    principal,
    'image_generation',
  );
  const result = await deps.service.answer<
    ImageEditRequest & Record<string, unknown>,
    ImageGenerationResponse
  >(
    kind.operation,
    // `prompt` is there for the reservation's bound: the form's fields are what is sent.
    { model, fields, files, n: checked.n, size: checked.size, prompt: given.prompt },
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      cancel: abortOnDisconnect(reply),
      callType: kind.callType,
    },
  );
  return sendImages(reply, deps.service, result, checked.size);
}

/** The provider's images answer, priced by its images (at the size asked for) and tokens. */
function sendImages(
  reply: RouteReply,
  service: ProxyService,
  result: { value: ImageGenerationResponse; meta: CallMeta },
  size: unknown,
): Promise<RouteReply> {
  return sendPricedJson(reply, service, {
    meta: result.meta,
    value: {
      body: rawJsonOf(result.value) ?? JSON.stringify(result.value),
      usage: tokenUsageOf(result.value.usage),
      units: unitsOf(result.value, size),
    },
  });
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
  const result = await deps.service.answer<
    ImageGenerationRequest & { model: string },
    ImageGenerationResponse
  >(imageGenerationOf, { ...body, model }, principal, {
    requestId: request.callId,
    attribution: request.attribution,
    receivedAt: request.receivedAt,
    cancel: abortOnDisconnect(reply),
    callType: 'aimage_generation',
  });
  return sendImages(reply, deps.service, result, body.size);
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
    // The images an edit starts from, priced apart from the prompt's text.
    prompt_tokens_details: { image_tokens: count(usage.input_tokens_details?.image_tokens) },
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
