/**
 * A nesting limit for request bodies. JSON.parse takes any depth, but the code after it does
 * not: serialising a few thousand levels of `metadata` for the store overflows the stack, which
 * turned a 1 MB body into a 500. No route needs more than a few dozen levels, so deeper bodies
 * are refused with a 400 before any handler (and before authentication) sees them.
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { RequestCheck } from './request-checks.js';

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

/** Refuses a body nested deeper than `max` levels, before authentication and any handler. */
export function bodyDepthCheck(max = MAX_BODY_DEPTH): RequestCheck {
  return (request) => {
    const { body } = request;
    if (body !== null && typeof body === 'object' && nestedDeeperThan(body, max)) {
      throw new GatewayError('bad_request', `Request body is nested more than ${max} levels deep`);
    }
  };
}
