/**
 * LiteLLM's guardrail routes for the guardrails of the config: `GET /guardrails/list` and
 * `/v2/guardrails/list` (any valid key), and `POST /guardrails/apply_guardrail` (alias
 * `/apply_guardrail`), which runs one guardrail on a text. Values of secret-looking parameters
 * (`api_key`, tokens, passwords) are shown with their middle masked on both lists.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addAdminRoute } from '../admin/admin-route.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GuardrailDefinition } from './guardrail-config.js';
import { CallGuards } from './guardrails.js';

const NoInputSchema = z.object({});

export const ApplyGuardrailSchema = z.object({
  guardrail_name: z.string().min(1),
  text: z.string(),
  language: z.string().nullable().optional(),
  entities: z.array(z.string()).nullable().optional(),
});

const SECRET_PARAM = /(?:^|_)key$|secret|token|password|credential/i;

export function registerGuardrailRoutes(
  app: FastifyInstance,
  definitions: readonly GuardrailDefinition[],
): void {
  const list = (): { guardrails: unknown[] } => ({ guardrails: definitions.map(listed) });
  for (const url of ['/guardrails/list', '/v2/guardrails/list']) {
    addAdminRoute(app, { method: 'GET', url, input: NoInputSchema, handle: async () => list() });
  }
  for (const url of ['/guardrails/apply_guardrail', '/apply_guardrail']) {
    addAdminRoute(app, {
      method: 'POST',
      url,
      input: ApplyGuardrailSchema,
      handle: async ({ guardrail_name: name, text }) => {
        const definition = definitions.find((d) => d.name === name);
        if (!definition) {
          throw new GatewayError(
            'not_found',
            `Guardrail '${name}' not found. Please ensure the guardrail is configured in your LiteLLM proxy.`,
          );
        }
        if (!definition.filter) {
          throw new GatewayError(
            'bad_request',
            `Guardrail '${name}' (${definition.kind}) is not one Tollgate runs`,
          );
        }
        // As LiteLLM: the text is checked as a request would be, whatever the guardrail's modes.
        const guard = new CallGuards([{ ...definition, modes: new Set(['pre_call'] as const) }]);
        return { response_text: (await guard.checkRequest({ prompt: text })).prompt };
      },
    });
  }
}

/** One guardrail as LiteLLM lists those of its config. */
function listed(definition: GuardrailDefinition): Record<string, unknown> {
  return {
    guardrail_id: null,
    guardrail_name: definition.name,
    litellm_params: masked(definition.params),
    guardrail_info: definition.info,
    created_at: null,
    updated_at: null,
    guardrail_definition_location: 'config',
  };
}

function masked(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    shown[name] = typeof value === 'string' && SECRET_PARAM.test(name) ? maskSecret(value) : value;
  }
  return shown;
}

/** The first and last four characters, the middle hidden; short values hidden whole. */
function maskSecret(value: string): string {
  return value.length <= 8 ? '****' : `${value.slice(0, 4)}****${value.slice(-4)}`;
}
