/**
 * `/model/info`: the deployments a caller may use, config and database ones (`db_model: true`),
 * with credentials left out.
 */
import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../contracts/deployment.js';
import type { ModelCatalog } from '../proxy/router/model-catalog.js';
import { principalOf } from './access-control.js';

/** `litellm_params` that hold credentials: never shown, whatever their provider. */
const SECRET_PARAM = /(api_key|secret|password|credential|access_key|_token$|^token$)/i;

export function registerModelInfoRoutes(
  app: FastifyInstance,
  catalog: ModelCatalog | (() => ModelCatalog),
): void {
  const current = typeof catalog === 'function' ? catalog : () => catalog;
  for (const path of ['/model/info', '/v1/model/info']) {
    app.get(path, async (request) => {
      const principal = principalOf(request);
      const { litellm_model_id: id } = request.query as { litellm_model_id?: string };
      const data = current()
        .allDeployments()
        .filter((d) => principal.canUseModel(d.modelName) && (!id || d.id === id))
        .map(describeDeployment);
      return { data };
    });
  }
}

export function describeDeployment(d: Deployment): Record<string, unknown> {
  const litellmParams: Record<string, unknown> = {
    model: `${d.provider}/${d.model}`,
  };
  for (const [key, value] of Object.entries(d.defaults)) {
    if (!SECRET_PARAM.test(key)) litellmParams[key] = value;
  }
  if (d.apiBase) litellmParams.api_base = d.apiBase;
  if (d.apiVersion) litellmParams.api_version = d.apiVersion;
  if (d.rpm !== undefined) litellmParams.rpm = d.rpm;
  if (d.tpm !== undefined) litellmParams.tpm = d.tpm;
  if (d.weight !== undefined) litellmParams.weight = d.weight;
  if (d.timeoutMs !== undefined) litellmParams.timeout = d.timeoutMs / 1000;
  if (d.streamTimeoutMs !== undefined) litellmParams.stream_timeout = d.streamTimeoutMs / 1000;
  if (d.maxRetries !== undefined) litellmParams.max_retries = d.maxRetries;
  if (d.inputCostPerToken !== undefined) litellmParams.input_cost_per_token = d.inputCostPerToken;
  if (d.outputCostPerToken !== undefined)
    litellmParams.output_cost_per_token = d.outputCostPerToken;
  return {
    model_name: d.modelName,
    litellm_params: litellmParams,
    model_info: {
      ...d.modelInfo,
      db_model: d.modelInfo.db_model === true,
      litellm_provider: d.provider,
      mode: d.modelInfo.mode ?? 'chat',
      input_cost_per_token: d.inputCostPerToken ?? d.modelInfo.input_cost_per_token,
      output_cost_per_token: d.outputCostPerToken ?? d.modelInfo.output_cost_per_token,
    },
  };
}
