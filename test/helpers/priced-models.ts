/**
 * Priced mock models for the budget tests, and the budget that pays exactly one call: a call's
 * worst case is its prompt's token bound at the input price plus MAX_TOKENS of output, and the
 * mock answers with MAX_TOKENS tokens, so what is left of such a budget cannot pay the next
 * call's prompt. (A budget that cannot pay even one call refuses it up front, as every Tollgate
 * budget does; LiteLLM lets that first call through and overspends.)
 */
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { promptTokenUpperBound } from '../../src/spend/token-count.js';

export const INPUT_PRICE = 0.0001;
export const OUTPUT_PRICE = 0.0002;
/** The `max_tokens` the budget tests send. */
export const MAX_TOKENS = 10;

/** A `model_list` entry of the mock provider at INPUT_PRICE and OUTPUT_PRICE per token. */
export function pricedModel(name: string, params: Record<string, unknown> = {}) {
  return {
    model_name: name,
    litellm_params: {
      model: `mock/${name}`,
      input_cost_per_token: INPUT_PRICE,
      output_cost_per_token: OUTPUT_PRICE,
      ...params,
    },
  };
}

/** A budget that pays one call of `messages` to `model` with MAX_TOKENS, and not a second. */
export function oneCallBudget(model: string, messages: readonly object[]): number {
  return promptTokenUpperBound({ model, messages }) * INPUT_PRICE + MAX_TOKENS * OUTPUT_PRICE;
}

/** The SDK's error of a call that must fail; a failed assertion if it succeeded. */
export async function refusal(
  call: Promise<unknown>,
): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof OpenAI.APIError, `expected a refusal, got ${String(error)}`);
  return error;
}
