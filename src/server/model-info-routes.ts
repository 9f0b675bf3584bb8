/**
 * `/model/info`: the deployments a caller may use, config and database ones (`db_model: true`),
 * with credentials left out, and the prices and limits Tollgate bills them at.
 */
import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../contracts/deployment.js';
import type { ModelCatalog } from '../proxy/router/model-catalog.js';
import type { DeploymentPrices, PriceBook } from '../spend/pricing.js';
import { principalOf } from './access-control.js';

/** `litellm_params` that hold credentials: never shown, whatever their provider. */
const SECRET_PARAM = /(api_key|secret|password|credential|access_key|_token$|^token$)/i;

export function registerModelInfoRoutes(
  app: FastifyInstance,
  catalog: ModelCatalog | (() => ModelCatalog),
  pricing: PriceBook,
): void {
  const current = typeof catalog === 'function' ? catalog : () => catalog;
  for (const path of ['/model/info', '/v1/model/info']) {
    app.get(path, async (request) => {
      const principal = principalOf(request);
      const { litellm_model_id: id } = request.query as { litellm_model_id?: string };
      const data = current()
        .allDeployments()
        .filter((d) => principal.canUseModel(d.modelName) && (!id || d.id === id))
        .map((d) => describeDeployment(d, pricing));
      return { data };
    });
  }
}

export function describeDeployment(d: Deployment, pricing: PriceBook): Record<string, unknown> {
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
  const modelInfo: Record<string, unknown> = {
    ...d.modelInfo,
    db_model: d.modelInfo.db_model === true,
    litellm_provider: d.provider,
    mode: d.modelInfo.mode ?? 'chat',
  };
  // A wildcard deployment has no price of its own: each model a request names has its own.
  if (d.model.includes('*')) {
    modelInfo.input_cost_per_token = d.inputCostPerToken ?? d.modelInfo.input_cost_per_token;
    modelInfo.output_cost_per_token = d.outputCostPerToken ?? d.modelInfo.output_cost_per_token;
  } else {
    Object.assign(modelInfo, priceFields(pricing.pricesFor(d), d));
  }
  return { model_name: d.modelName, litellm_params: litellmParams, model_info: modelInfo };
}

/**
 * LiteLLM's cost-map fields, from the prices Tollgate bills at. A model without a known price has
 * them null and `price_known: false` (a Tollgate field: LiteLLM has none for it).
 */
function priceFields(prices: DeploymentPrices, d: Deployment): Record<string, unknown> {
  const known = prices.known;
  const fields: Record<string, unknown> = {
    input_cost_per_token: known ? prices.inputPerToken : null,
    output_cost_per_token: known ? prices.outputPerToken : null,
    cache_read_input_token_cost: known ? prices.cacheReadPerToken : null,
    cache_creation_input_token_cost: known ? prices.cacheWritePerToken : null,
    max_tokens: d.modelInfo.max_tokens ?? prices.maxOutputTokens ?? null,
    max_input_tokens: prices.maxInputTokens ?? null,
    max_output_tokens: prices.maxOutputTokens ?? null,
    price_known: known,
  };
  if (prices.inputPerSecond !== undefined) fields.input_cost_per_second = prices.inputPerSecond;
  if (prices.outputPerSecond !== undefined) fields.output_cost_per_second = prices.outputPerSecond;
  if (prices.outputPerImage !== undefined) fields.output_cost_per_image = prices.outputPerImage;
  if (prices.inputPerPixel !== undefined) fields.input_cost_per_pixel = prices.inputPerPixel;
  if (prices.inputPerQuery !== undefined) fields.input_cost_per_query = prices.inputPerQuery;
  if (prices.inputPerCharacter !== undefined) {
    fields.input_cost_per_character = prices.inputPerCharacter;
  }
  for (const tier of prices.tiers) {
    // LiteLLM's names for long-context prices: `input_cost_per_token_above_200k_tokens`, ...
    if (tier.above % 1000 !== 0) continue;
    const above = `above_${tier.above / 1000}k_tokens`;
    fields[`input_cost_per_token_${above}`] = tier.inputPerToken;
    fields[`output_cost_per_token_${above}`] = tier.outputPerToken;
  }
  return fields;
}
