/**
 * The admin listener: a second address served by the same Fastify app (same routes, services,
 * store and caches), for deployments that keep the admin API inside a private network. Which
 * listener a request came in on decides which routes it may reach; a route it may not reach
 * answers exactly as a route that does not exist (404 `{"detail":"Not Found"}`), before any
 * authentication, so the public side does not even reveal that the admin API is there.
 *
 * - public listener: everything, except admin routes (the access classes in ADMIN_ACCESS) when
 *   they are disabled there (by default exactly when an admin listener is configured);
 * - admin listener: admin routes and health (`/health*`), nothing else.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ADMIN_ACCESS } from '../auth/route-permissions.js';

/** Requests that arrived on an admin listener. */
const onAdminListener = new WeakSet<IncomingMessage>();

export interface ListenerPolicy {
  /** Whether the public listener serves admin routes. */
  adminRoutesOnPublic: boolean;
}

/** The policy a config asks for; undefined when every route is served everywhere (no guard). */
export function listenerPolicy(config: {
  adminPort?: number;
  disableAdminRoutesOnPublicListener?: boolean;
}): ListenerPolicy | undefined {
  const hasAdminListener = config.adminPort !== undefined;
  const disabled = config.disableAdminRoutesOnPublicListener ?? hasAdminListener;
  if (!hasAdminListener && !disabled) return undefined;
  return { adminRoutesOnPublic: !disabled };
}

/** Installs the per-listener route check; call before the routes are registered. */
export function installListenerGuard(app: FastifyInstance, policy: ListenerPolicy): void {
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) return;
    const admin = ADMIN_ACCESS.has(access);
    const served = onAdminListener.has(request.raw)
      ? admin || (request.routeOptions.url ?? '').startsWith('/health')
      : !admin || policy.adminRoutesOnPublic;
    if (served) return;
    reply.callNotFound();
    return reply;
  });
}

/** Starts an admin listener for `app` (which must be ready) on host:port. */
export async function listenAdmin(
  app: FastifyInstance,
  options: { port: number; host: string },
): Promise<{ server: Server; address: AddressInfo }> {
  await app.ready();
  const server = createServer((req, res) => {
    onAdminListener.add(req);
    app.routing(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}

/** Stops taking connections; resolves when the requests in flight are answered. */
export async function closeAdmin(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Keep-alive connections go idle as their last response finishes: close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
  }
}
