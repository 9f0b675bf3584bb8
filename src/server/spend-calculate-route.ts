/**
 * `POST /spend/calculate` (LiteLLM's): what a call costs at the gateway's prices, without making
 * it. `{model, messages}` prices the prompt (its tokens counted as the gateway counts them, no
 * output); `{completion_response}` prices a response's `usage` with the model it names.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ChatMessageSchema } from '../contracts/openai.js';
import type { Deployment } from '../contracts/deployment.js';
import { GatewayError } from '../errors/gateway-error.js';
import { parseBody } from '../proxy/parse-body.js';
import type { ModelCatalog } from '../proxy/router/model-catalog.js';
import type { Pricing } from '../spend/types.js';
import { countChatPromptTokens } from '../spend/token-count.js';
import { principalOf } from './access-control.js';
import type { Principal } from '../auth/principal.js';

const count = z.number().int().nonnegative().optional();

export const SpendCalculateSchema = z.object({
  model: z.string().min(1).optional(),
  messages: z.array(ChatMessageSchema).optional(),
  completion_response: z
    .looseObject({
      model: z.string().min(1).optional(),
      usage: z.looseObject({
        prompt_tokens: count,
        completion_tokens: count,
        total_tokens: count,
      }),
    })
    .optional(),
});

export function registerSpendCalculateRoute(
  app: FastifyInstance,
  catalog: () => ModelCatalog,
  pricing: Pricing,
): void {
  app.post('/spend/calculate', async (request) => {
    const principal = principalOf(request);
    const body = parseBody(SpendCalculateSchema, request.body);
    const response = body.completion_response;
    if (response) {
      const model = body.model ?? response.model;
      if (!model) {
        throw new GatewayError('bad_request', 'Bad Request - completion_response names no model', {
          param: 'completion_response',
        });
      }
      const usage = response.usage;
      const prompt = usage.prompt_tokens ?? 0;
      const completion = usage.completion_tokens ?? 0;
      const deployment = deploymentOf(catalog(), principal, model);
      return {
        cost: pricing.costOf(
          deployment,
          {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: usage.total_tokens ?? prompt + completion,
          },
          0,
        ),
      };
    }
    if (!body.model) {
      throw new GatewayError(
        'bad_request',
        "Bad Request - Either 'model' and 'messages' or 'completion_response' must be provided",
      );
    }
    if (!body.messages) {
      throw new GatewayError(
        'bad_request',
        "Bad Request - messages must be provided if 'model' is provided",
        { param: 'messages' },
      );
    }
    const deployment = deploymentOf(catalog(), principal, body.model);
    const prompt = await countChatPromptTokens(body.messages);
    return {
      cost: pricing.costOf(
        deployment,
        { prompt_tokens: prompt, completion_tokens: 0, total_tokens: prompt },
        0,
      ),
    };
  });
}

/**
 * The deployment a model name is priced at: a model group (or alias) the caller may use, its
 * first deployment; else a deployment whose provider model it is (a response's `model`).
 */
function deploymentOf(catalog: ModelCatalog, principal: Principal, model: string): Deployment {
  const name = principal.resolveModelAlias(model);
  const resolved = catalog.resolve(name);
  const deployment =
    resolved && (principal.canUseModel(name) || principal.canUseModel(resolved.group))
      ? resolved.deployments[0]
      : catalog
          .allDeployments()
          .find(
            (d) =>
              (d.model === model || `${d.provider}/${d.model}` === model) &&
              principal.canUseModel(d.modelName),
          );
  if (!deployment) {
    throw new GatewayError(
      'invalid_model',
      `Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`,
      { param: 'model' },
    );
  }
  return deployment;
}
