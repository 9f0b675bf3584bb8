/**
 * `GET /key/generate/bounds` (a Tollgate addition; LiteLLM has no such route): what the caller
 * may put on a key it creates, so a form can show the limits before it is sent. The bounds are
 * `upperbound_key_generate_params` (the gateway lowers anything above them, see key-policy.ts);
 * the models are those the caller may call, the same list as `/v1/models`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { UpperboundKeyGenerateParams } from '../config/schema.js';
import { addAdminRoute } from './admin-route.js';

export interface KeyBoundsRouteDeps {
  /** `litellm_settings.upperbound_key_generate_params`. */
  upperBounds?: UpperboundKeyGenerateParams;
  /** The models a caller may call (what `/v1/models` lists for it). */
  modelsFor(caller: Principal): readonly string[];
}

const BOUNDED = [
  'max_budget',
  'budget_duration',
  'duration',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
] as const;

export function registerKeyBoundsRoutes(app: FastifyInstance, deps: KeyBoundsRouteDeps): void {
  addAdminRoute(app, {
    method: 'GET',
    url: '/key/generate/bounds',
    input: z.object({}).loose(),
    handle: (_input, caller) => Promise.resolve(keyBounds(deps, caller)),
  });
}

/** Each bound (null: none) and the models, sorted. */
export function keyBounds(deps: KeyBoundsRouteDeps, caller: Principal): Record<string, unknown> {
  const bounds: Record<string, unknown> = {};
  for (const field of BOUNDED) bounds[field] = deps.upperBounds?.[field] ?? null;
  return { ...bounds, models: [...deps.modelsFor(caller)].sort() };
}
