/** The /organization/* routes: parse, call the OrganizationService, return its JSON. */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  DeleteOrganizationsSchema,
  NewOrganizationSchema,
  OrganizationInfoBodySchema,
  OrganizationInfoQuerySchema,
  OrganizationListQuerySchema,
  OrganizationMemberAddSchema,
  OrganizationMemberDeleteSchema,
  OrganizationMemberUpdateSchema,
  UpdateOrganizationSchema,
} from './organization-schemas.js';
import type { OrganizationService } from './organization-service.js';

export interface OrganizationRouteDeps {
  /** Absent when the gateway runs without a database. */
  organizations?: OrganizationService;
}

export function registerOrganizationRoutes(
  app: FastifyInstance,
  deps: OrganizationRouteDeps,
): void {
  const organizations = (route: string): OrganizationService => {
    if (!deps.organizations) throw noDatabase(route);
    return deps.organizations;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/organization/new',
    input: NewOrganizationSchema,
    handle: (input, caller) => organizations('/organization/new').create(caller, input),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/organization/info',
    input: OrganizationInfoQuerySchema,
    handle: (input, caller) =>
      organizations('/organization/info').info(caller, input.organization_id),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/organization/info',
    input: OrganizationInfoBodySchema,
    handle: (input, caller) =>
      organizations('/organization/info').infoMany(caller, input.organizations),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/organization/list',
    input: OrganizationListQuerySchema,
    handle: (_input, caller) => organizations('/organization/list').list(caller),
  });
  // LiteLLM answers PATCH and DELETE here; POST is kept for clients of its older versions.
  for (const method of ['PATCH', 'POST'] as const) {
    addAdminRoute(app, {
      method,
      url: '/organization/update',
      input: UpdateOrganizationSchema,
      handle: (input, caller) => organizations('/organization/update').update(caller, input),
    });
    addAdminRoute(app, {
      method,
      url: '/organization/member_update',
      input: OrganizationMemberUpdateSchema,
      handle: (input, caller) =>
        organizations('/organization/member_update').updateMember(caller, input),
    });
  }
  for (const method of ['DELETE', 'POST'] as const) {
    addAdminRoute(app, {
      method,
      url: '/organization/delete',
      input: DeleteOrganizationsSchema,
      handle: (input, caller) =>
        organizations('/organization/delete').delete(caller, input.organization_ids),
    });
    addAdminRoute(app, {
      method,
      url: '/organization/member_delete',
      input: OrganizationMemberDeleteSchema,
      handle: (input, caller) =>
        organizations('/organization/member_delete').deleteMember(caller, input),
    });
  }
  addAdminRoute(app, {
    method: 'POST',
    url: '/organization/member_add',
    input: OrganizationMemberAddSchema,
    handle: (input, caller) => organizations('/organization/member_add').addMembers(caller, input),
  });
}
