/**
 * `general_settings.custom_auth`: the operator's `async fn(request, api_key)` decides who is
 * calling, instead of the virtual-key lookup. It gets a request-like object (headers, url,
 * method, body) and the key found in the usual headers ("" when none), and returns a
 * principal-like object `{user_id?, team_id?, user_role?, models?}` (other fields are ignored); throwing refuses
 * the request with 401 "Authentication Error, <message>" (LiteLLM's wording).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import { pythonList } from '../util/python-list.js';
import { compileModelRule, type ModelDirectory } from './model-access.js';
import { toProxyRole, type Principal } from './principal.js';

/** What the hook sees of the request. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  url: string;
  method: string;
  body?: unknown;
}

/** Turns a request into a principal through the operator's hook; rejects with a GatewayError. */
export type CustomAuthResolver = (request: AuthRequest, apiKey: string) => Promise<Principal>;

export function createCustomAuthResolver(
  hook: (request: AuthRequest, apiKey: string) => unknown,
  directory: () => ModelDirectory,
): CustomAuthResolver {
  return async (request, apiKey) => {
    let result: unknown;
    try {
      result = await hook({ ...request }, apiKey);
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      throw new GatewayError('invalid_api_key', `Authentication Error, ${message}`, {
        cause: error,
      });
    }
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new GatewayError(
        'invalid_api_key',
        'Authentication Error, custom_auth returned no user (expected an object)',
      );
    }
    return customAuthPrincipal(result as Record<string, unknown>, directory());
  };
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The principal of what the hook returned: its user, team, role and model list; nothing else. */
export function customAuthPrincipal(
  result: Record<string, unknown>,
  directory: ModelDirectory,
): Principal {
  const models = Array.isArray(result.models)
    ? result.models.filter((m): m is string => typeof m === 'string')
    : [];
  const rule = compileModelRule(models, directory);
  return Object.freeze({
    kind: 'custom_auth',
    role: toProxyRole(text(result.user_role)),
    userId: text(result.user_id),
    teamId: text(result.team_id),
    allowedRoutes: Object.freeze([] as string[]),
    canUseModel: rule.all ? () => true : (model: string) => rule.allows(model),
    modelAccessError: (model: string) =>
      new GatewayError(
        'key_model_access_denied',
        `key not allowed to access model. This key can only access models=${pythonList(models)}. Tried to access ${model}`,
        { param: 'model' },
      ),
    resolveModelAlias: (model: string) => model,
  } satisfies Principal);
}
