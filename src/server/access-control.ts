/**
 * Authentication and the route × role table: at registration every route gets its access class
 * from the table (a route missing from it is a startup error), and before any handler runs the
 * caller is authenticated and checked against that class (a check of `installRequestChecks`).
 * Handlers read the result with `principalOf(request)`.
 */
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { Attribution } from '../contracts/attribution.js';
import type { Principal } from '../auth/principal.js';
import { authorizeRoute, routeAccess, type RouteAccess } from '../auth/route-permissions.js';
import { GatewayError } from '../errors/gateway-error.js';
import { checkCsrf } from '../sessions/csrf.js';
import type { RequestCheck } from './request-checks.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Who and what an LLM call is booked to besides its key (src/server/attribution.ts). */
    attribution?: Attribution;
    /** The gateway's id of this call (`x-litellm-call-id`, the spend log's request id). */
    callId: string;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Gives every route its access class from the table; a route missing from it fails the start. */
export function installRouteAccess(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('attribution', undefined);
  app.addHook('onRoute', (route) => {
    const access = routeAccess(route.url);
    if (access === undefined) {
      throw new Error(
        `route ${String(route.method)} ${route.url} is not in the route permission table (src/auth/route-permissions.ts)`,
      );
    }
    route.config = { ...route.config, access };
  });
}

/**
 * Authenticates the caller and checks it against the route's access class. The master key and a
 * cached virtual key authenticate synchronously: no promise then.
 */
export function accessCheck(authenticate: Authenticator): RequestCheck {
  return (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const admit = (principal: Principal): void => {
      // A caller that came with the session cookie must prove the request is the UI's own.
      checkCsrf(principal, request);
      authorizeRoute(principal, access, request.routeOptions.url ?? request.url);
      request.principal = principal;
    };
    const found = authenticate(request.headers, request);
    if (found instanceof Promise) return found.then(admit);
    admit(found);
  };
}

/** The authenticated caller of a guarded route. */
export function principalOf(request: { readonly principal: Principal | null }): Principal {
  if (!request.principal) {
    throw new GatewayError('internal_server_error', 'route served without authentication');
  }
  return request.principal;
}
