/**
 * Routes whose `model` is optional in OpenAI's API (moderations, images) fall back to the first
 * model the caller may use that the config marks with their `model_info.mode`.
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProxyService } from './proxy-service.js';

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
