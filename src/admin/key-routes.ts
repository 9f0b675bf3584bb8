/** The /key/* routes: parse, call the KeyService, return its JSON. */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  BulkUpdateKeysSchema,
  DeleteKeysSchema,
  GenerateKeySchema,
  KeyAliasesQuerySchema,
  KeyHealthSchema,
  KeyInfoManySchema,
  KeyInfoQuerySchema,
  KeyListQuerySchema,
  KeyRefSchema,
  RegenerateKeySchema,
  ResetSpendSchema,
  UpdateKeySchema,
} from './key-schemas.js';
import type { KeyService } from './key-service.js';

export interface KeyRouteDeps {
  /** Absent when the gateway runs without a database. */
  keys?: KeyService;
}

export function registerKeyRoutes(app: FastifyInstance, deps: KeyRouteDeps): void {
  const keys = (route: string): KeyService => {
    if (!deps.keys) throw noDatabase(route);
    return deps.keys;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/generate',
    input: GenerateKeySchema,
    handle: (input, caller, request) =>
      keys('/key/generate').generate(caller, input, { fields: fieldsOf(request.body) }),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/key/info',
    input: KeyInfoQuerySchema,
    handle: (input, caller) => keys('/key/info').info(caller, input.key),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/key/list',
    input: KeyListQuerySchema,
    handle: (input, caller) => keys('/key/list').list(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/update',
    input: UpdateKeySchema,
    handle: (input, caller) => keys('/key/update').update(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/delete',
    input: DeleteKeysSchema,
    handle: (input, caller) => keys('/key/delete').delete(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/regenerate',
    input: RegenerateKeySchema,
    handle: (input, caller) => keys('/key/regenerate').regenerate(caller, input.key, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/:key/regenerate',
    input: RegenerateKeySchema,
    handle: (input, caller, request) =>
      keys('/key/regenerate').regenerate(caller, (request.params as { key: string }).key, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/v2/key/info',
    input: KeyInfoManySchema,
    handle: (input, caller) => keys('/v2/key/info').infoMany(caller, input.keys),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/key/aliases',
    input: KeyAliasesQuerySchema,
    handle: (input, caller) => keys('/key/aliases').aliases(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/:key/reset_spend',
    input: ResetSpendSchema,
    handle: (input, caller, request) =>
      keys('/key/reset_spend').resetSpend(
        caller,
        (request.params as { key: string }).key,
        input.reset_to,
      ),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/key/bulk_update',
    input: BulkUpdateKeysSchema,
    handle: (input, caller) => keys('/key/bulk_update').bulkUpdate(caller, input),
  });
  // Whether the calling key's logging is healthy (LiteLLM checks its callbacks): Tollgate keys
  // carry no logging callbacks, so a key that authenticates is healthy.
  for (const method of ['GET', 'POST'] as const) {
    addAdminRoute(app, {
      method,
      url: '/key/health',
      input: KeyHealthSchema,
      handle: async () => ({ key: 'healthy', logging_callbacks: null }),
    });
  }
  for (const [url, blocked] of [
    ['/key/block', true],
    ['/key/unblock', false],
  ] as const) {
    addAdminRoute(app, {
      method: 'POST',
      url,
      input: KeyRefSchema,
      handle: (input, caller) => keys(url).setBlocked(caller, input.key, blocked),
    });
  }
}

/** The fields a request body named (LiteLLM's `required_params` checks these). */
function fieldsOf(body: unknown): ReadonlySet<string> {
  return new Set(body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : []);
}
