/**
 * `/invitation/*` (admins; info and list also admin viewers) and the public `/onboarding/*`
 * routes the onboarding page calls. The claim signs the user in with the session cookies.
 */
import type { FastifyInstance } from 'fastify';
import { parseInput } from './parse-input.js';
import { extractApiKey } from '../auth/extract-api-key.js';
import { requestOrigin } from '../sessions/request-origin.js';
import { startSession } from '../sessions/session-routes.js';
import { sessionView } from '../sessions/session-view.js';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  ClaimTokenSchema,
  DeleteInvitationSchema,
  GetTokenQuerySchema,
  InvitationIdQuerySchema,
  InvitationListQuerySchema,
  NewInvitationSchema,
  UpdateInvitationSchema,
} from './invitation-schemas.js';
import type { InvitationService } from './invitation-service.js';

export interface InvitationRouteDeps {
  /** Absent when the gateway runs without a database. */
  invitations?: InvitationService;
}

export function registerInvitationRoutes(app: FastifyInstance, deps: InvitationRouteDeps): void {
  const invitations = (route: string): InvitationService => {
    if (!deps.invitations) throw noDatabase(route);
    return deps.invitations;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/invitation/new',
    input: NewInvitationSchema,
    handle: (input, caller, request) =>
      invitations('/invitation/new').create(caller, input.user_id, requestOrigin(request)),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/invitation/info',
    input: InvitationIdQuerySchema,
    handle: (input, _caller, request) =>
      invitations('/invitation/info').info(input.invitation_id, requestOrigin(request)),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/invitation/update',
    input: UpdateInvitationSchema,
    handle: (input, caller, request) =>
      invitations('/invitation/update').update(caller, input, requestOrigin(request)),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/invitation/delete',
    input: DeleteInvitationSchema,
    handle: (input, caller, request) =>
      invitations('/invitation/delete').delete(caller, input.invitation_id, requestOrigin(request)),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/invitation/list',
    input: InvitationListQuerySchema,
    handle: (input, _caller, request) =>
      invitations('/invitation/list').list(input, requestOrigin(request)),
  });

  app.get('/onboarding/get_token', async (request) => {
    const input = parseInput(GetTokenQuerySchema, request.query);
    return invitations('/onboarding/get_token').getToken(input.invite_link, requestOrigin(request));
  });
  app.post('/onboarding/claim_token', async (request, reply) => {
    const input = parseInput(ClaimTokenSchema, request.body);
    const bearer = extractApiKey(request.headers);
    const service = invitations('/onboarding/claim_token');
    const { started, user } = await service.claim(
      input,
      bearer.kind === 'key' ? bearer.value : undefined,
    );
    startSession(request, reply, started);
    return {
      login_url: `${service.baseUrlFor(requestOrigin(request))}/ui/?login=success`,
      ...sessionView(started.record, user),
    };
  });
}
