/** The /team/* routes: parse, call the TeamService, return its JSON. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  DeleteTeamsSchema,
  BulkMemberAddSchema,
  MemberAddSchema,
  MemberDeleteSchema,
  MemberUpdateSchema,
  NewTeamSchema,
  TeamInfoQuerySchema,
  TeamListQuerySchema,
  TeamModelsSchema,
  TeamPageQuerySchema,
  TeamRefSchema,
  UpdateTeamSchema,
} from './team-schemas.js';
import type { TeamService } from './team-service.js';

export interface TeamRouteDeps {
  /** Absent when the gateway runs without a database. */
  teams?: TeamService;
}

export function registerTeamRoutes(app: FastifyInstance, deps: TeamRouteDeps): void {
  const teams = (route: string): TeamService => {
    if (!deps.teams) throw noDatabase(route);
    return deps.teams;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/new',
    input: NewTeamSchema,
    handle: (input, caller) => teams('/team/new').create(caller, input),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/team/info',
    input: TeamInfoQuerySchema,
    handle: (input, caller) => teams('/team/info').info(caller, input.team_id),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/team/list',
    input: TeamListQuerySchema,
    handle: (input, caller) => teams('/team/list').list(caller, input),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/team/available',
    input: z.object({}),
    handle: (_input, caller) => teams('/team/available').available(caller),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/v2/team/list',
    input: TeamPageQuerySchema,
    handle: (input, caller) => teams('/v2/team/list').page(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/update',
    input: UpdateTeamSchema,
    handle: (input, caller) => teams('/team/update').update(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/model/add',
    input: TeamModelsSchema,
    handle: (input, caller) => teams('/team/model/add').addModels(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/model/delete',
    input: TeamModelsSchema,
    handle: (input, caller) => teams('/team/model/delete').deleteModels(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/delete',
    input: DeleteTeamsSchema,
    handle: (input, caller) => teams('/team/delete').delete(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/member_add',
    input: MemberAddSchema,
    handle: (input, caller) => teams('/team/member_add').addMembers(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/bulk_member_add',
    input: BulkMemberAddSchema,
    handle: (input, caller) => teams('/team/bulk_member_add').bulkAddMembers(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/member_delete',
    input: MemberDeleteSchema,
    handle: (input, caller) => teams('/team/member_delete').removeMember(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/team/member_update',
    input: MemberUpdateSchema,
    handle: (input, caller) => teams('/team/member_update').updateMember(caller, input),
  });
  for (const [url, blocked] of [
    ['/team/block', true],
    ['/team/unblock', false],
  ] as const) {
    addAdminRoute(app, {
      method: 'POST',
      url,
      input: TeamRefSchema,
      handle: (input, caller) => teams(url).setBlocked(caller, input.team_id, blocked),
    });
  }
}
