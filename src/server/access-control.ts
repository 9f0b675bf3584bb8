/**
 * Authentication and the route × role table as two Fastify hooks: at registration every route
 * gets its access class from the table (a route missing from it is a startup error), and before
 * any handler runs the caller is authenticated and checked against that class. Handlers read the
 * result with `principalOf(request)`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { authorizeRoute, routeAccess, type RouteAccess } from '../auth/route-permissions.js';
import { GatewayError } from '../errors/gateway-error.js';
import { checkCsrf } from '../sessions/csrf.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The gateway's id of this call (`x-litellm-call-id`, the spend log's request id). */
    callId: string;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export function installAccessControl(app: FastifyInstance, authenticate: Authenticator): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const access = routeAccess(route.url);
    if (access === undefined) {
      throw new Error(
        `route ${String(route.method)} ${route.url} is not in the route permission table (src/auth/route-permissions.ts)`,
      );
    }
    route.config = { ...route.config, access };
  });
  // A callback hook, not an async one: the master key and a cached virtual key authenticate
  // synchronously, and then the request goes on without a promise and a microtask turn.
  app.addHook('preHandler', (request, _reply, done) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return done();
    const admit = (principal: Principal): void => {
      // A caller that came with the session cookie must prove the request is the UI's own.
      checkCsrf(principal, request);
      authorizeRoute(principal, access, request.routeOptions.url ?? request.url);
      request.principal = principal;
    };
    const found = authenticate(request.headers, request);
    if (!(found instanceof Promise)) {
      admit(found); // a refusal throws, and Fastify sends it to the error handler
      return done();
    }
    found.then(admit).then(
      () => done(),
      (error: unknown) => done(error as Error),
    );
  });
}

/** The authenticated caller of a guarded route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new GatewayError('internal_server_error', 'route served without authentication');
  }
  return request.principal;
}
