/**
 * The /model/* routes that change models stored in the database: parse, call the ModelService,
 * return its JSON. `/model/info` is in server/model-info-routes.ts.
 */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  DeleteModelSchema,
  NewModelSchema,
  PatchModelSchema,
  UpdateModelSchema,
} from './model-schemas.js';
import type { ModelService } from './model-service.js';

export interface ModelRouteDeps {
  /** Absent when the gateway runs without a database. */
  models?: ModelService;
}

export function registerModelRoutes(app: FastifyInstance, deps: ModelRouteDeps): void {
  const models = (route: string): ModelService => {
    if (!deps.models) throw noDatabase(route);
    return deps.models;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/model/new',
    input: NewModelSchema,
    handle: (input, caller) => models('/model/new').create(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/model/update',
    input: UpdateModelSchema,
    handle: (input, caller) => models('/model/update').update(caller, input.model_info.id, input),
  });
  addAdminRoute(app, {
    method: 'PATCH',
    url: '/model/:id/update',
    input: PatchModelSchema,
    handle: (input, caller, request) =>
      models('/model/update').update(caller, (request.params as { id: string }).id, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/model/delete',
    input: DeleteModelSchema,
    handle: (input, caller) => models('/model/delete').delete(caller, input.id),
  });
}
