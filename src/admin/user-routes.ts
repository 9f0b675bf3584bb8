/** The /user/* routes: parse, call the UserService, return its JSON. */
import type { FastifyInstance } from 'fastify';
import { requestOrigin } from '../sessions/request-origin.js';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  BulkUpdateUsersSchema,
  DeleteUsersSchema,
  NewUserSchema,
  UpdateUserSchema,
  UserInfoQuerySchema,
  UserListQuerySchema,
} from './user-schemas.js';
import type { UserService } from './user-service.js';

export interface UserRouteDeps {
  /** Absent when the gateway runs without a database. */
  users?: UserService;
}

export function registerUserRoutes(app: FastifyInstance, deps: UserRouteDeps): void {
  const users = (route: string): UserService => {
    if (!deps.users) throw noDatabase(route);
    return deps.users;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/user/new',
    input: NewUserSchema,
    handle: (input, caller, request) =>
      users('/user/new').create(caller, input, requestOrigin(request)),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/user/info',
    input: UserInfoQuerySchema,
    handle: (input, caller) => users('/user/info').info(caller, input.user_id),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/v2/user/info',
    input: UserInfoQuerySchema,
    handle: (input, caller) => users('/v2/user/info').infoV2(caller, input.user_id),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/user/list',
    input: UserListQuerySchema,
    handle: (input, caller) => users('/user/list').list(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/user/update',
    input: UpdateUserSchema,
    handle: (input, caller) => users('/user/update').update(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/user/bulk_update',
    input: BulkUpdateUsersSchema,
    handle: (input, caller) => users('/user/bulk_update').bulkUpdate(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/user/delete',
    input: DeleteUsersSchema,
    handle: (input, caller) => users('/user/delete').delete(caller, input),
  });
}
