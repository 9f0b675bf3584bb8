/**
 * What the routes of one kind of call (moderations, images, speech, transcriptions) share: the
 * adapter operation they need, and, where `model` is optional in OpenAI's API, the model they
 * fall back to: the first the caller may use that the config marks with their `model_info.mode`.
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { ProviderError, type Operation, type ProviderAdapter } from '../providers/types.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';

type OptionalOperation =
  | 'moderation'
  | 'imageGeneration'
  | 'imageEdit'
  | 'imageVariation'
  | 'speech'
  | 'transcription'
  | 'translation'
  | 'rerank';

/**
 * The adapter's `name` operation; a provider without one is a 400 that names the endpoint it
 * lacks (`what`) and says where such calls go (`where`).
 */
export function requireOperation(
  name: OptionalOperation,
  what: string,
  where: string,
): OperationResolver {
  return (adapter: ProviderAdapter, deployment) => {
    const operation = adapter[name];
    if (operation === undefined) {
      throw new ProviderError(
        'bad_request',
        `${adapter.displayName} has no ${what} (model ${deployment.modelName}); ${where}`,
        { status: 400 },
      );
    }
    return operation as Operation<unknown, unknown, unknown>;
  };
}

/** The model the request names, else the first the caller may use with `mode`. */
export function modelOrDefault(
  model: string | undefined,
  service: ProxyService,
  principal: Principal,
  mode: string,
): string {
  if (model !== undefined) return model;
  for (const name of service.modelsFor(principal)) {
    const { deployments } = service.resolveModel(principal, name);
    if (deployments.some((d) => d.modelInfo.mode === mode)) return name;
  }
  throw new GatewayError(
    'bad_request',
    `No model given, and no model you may use has model_info.mode ${mode}: send "model", or ` +
      `give a model in model_list \`model_info: {mode: ${mode}}\``,
    { param: 'model' },
  );
}
