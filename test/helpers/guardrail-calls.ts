/** What the guardrail suites share: a model on an echoing OpenAI simulator, and refusals. */
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import type { Simulator } from '../simulators/simulator-server.js';

/** The model `gpt`, served by an OpenAI simulator (which echoes what it was sent). */
export function echoingModel(upstream: Simulator) {
  return {
    model_name: 'gpt',
    litellm_params: {
      model: 'openai/gpt-4o-mini',
      api_base: `${upstream.url}/v1`,
      api_key: 'sk-upstream',
    },
  };
}

/** The SDK's error for a call that must be refused. */
export function refusal(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return promise.then(
    () => assert.fail('not refused'),
    (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
  );
}
