/**
 * How an admin route is declared: method, path, the schema of its input (body or query string),
 * and a handler that gets the parsed input and the caller. Authentication and the route × role
 * table have already run (server/access-control.ts); errors are thrown, never written here. The
 * services write through `store.auditedBy(auditActorOf(caller))`, so the audit log names the caller.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { principalOf } from '../server/access-control.js';
import { parseInput } from './parse-input.js';

export interface AdminRoute<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  input: S;
  /** Where the input is read from; POST bodies by default, GET query strings. */
  from?: 'body' | 'query';
  handle(input: z.infer<S>, caller: Principal, request: FastifyRequest): Promise<unknown>;
}

export function addAdminRoute<S extends z.ZodType>(
  app: FastifyInstance,
  route: AdminRoute<S>,
): void {
  const from = route.from ?? (route.method === 'GET' ? 'query' : 'body');
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request) => {
      const input = parseInput(route.input, from === 'body' ? request.body : request.query);
      return route.handle(input, principalOf(request), request);
    },
  });
}

/** LiteLLM's answers when a management route is called on a gateway without a database. */
export function noDatabase(route: string): GatewayError {
  return new GatewayError(
    'db_not_connected',
    route === '/key/generate'
      ? 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'
      : 'Database not connected. Connect a database to your proxy - https://docs.litellm.ai/docs/simple_proxy#managing-auth---virtual-keys',
  );
}
