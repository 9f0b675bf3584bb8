/** The /tag/* routes: parse, call the TagService, return its JSON. */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  DeleteTagSchema,
  NewTagSchema,
  TagInfoSchema,
  TagListQuerySchema,
  UpdateTagSchema,
} from './tag-schemas.js';
import type { TagService } from './tag-service.js';

export interface TagRouteDeps {
  /** Absent when the gateway runs without a database. */
  tags?: TagService;
}

export function registerTagRoutes(app: FastifyInstance, deps: TagRouteDeps): void {
  const tags = (route: string): TagService => {
    if (!deps.tags) throw noDatabase(route);
    return deps.tags;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/tag/new',
    input: NewTagSchema,
    handle: (input, caller) => tags('/tag/new').create(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/tag/update',
    input: UpdateTagSchema,
    handle: (input, caller) => tags('/tag/update').update(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/tag/info',
    input: TagInfoSchema,
    handle: (input) => tags('/tag/info').info(input.names),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/tag/list',
    input: TagListQuerySchema,
    handle: (query) => tags('/tag/list').list(query),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/tag/delete',
    input: DeleteTagSchema,
    handle: (input, caller) => tags('/tag/delete').delete(caller, input.name),
  });
}
