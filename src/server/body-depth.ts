/**
 * A nesting limit for request bodies. JSON.parse takes any depth, but the code after it does
 * not: serialising a few thousand levels of `metadata` for the store overflows the stack, which
 * turned a 1 MB body into a 500. No route needs more than a few dozen levels, so deeper bodies
 * are refused with a 400 before any handler (and before authentication) sees them.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';

/** Levels of objects and arrays a body may nest; tool schemas use well under this. */
export const MAX_BODY_DEPTH = 100;

/** Whether `value` nests objects or arrays more than `max` levels deep (iterative: no recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

export function installBodyDepthLimit(app: FastifyInstance, max = MAX_BODY_DEPTH): void {
  // A callback hook: no promise per request on the hot path.
  app.addHook('preValidation', (request, _reply, done) => {
    const { body } = request;
    if (body !== null && typeof body === 'object' && nestedDeeperThan(body, max)) {
      done(new GatewayError('bad_request', `Request body is nested more than ${max} levels deep`));
      return;
    }
    done();
  });
}
