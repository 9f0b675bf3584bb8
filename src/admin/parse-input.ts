/**
 * Validates an admin request's body or query against its schema. A malformed input is a 422 in
 * the gateway's error shape, naming the field (`param`) and what is wrong with it.
 */
import type { z } from 'zod';
import { formatPath } from '../config/config-error.js';
import { GatewayError } from '../errors/gateway-error.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new GatewayError('validation_error', 'Invalid request');
  if (issue.path.length === 0) {
    // A rule about the whole body ("At least one of 'keys' or 'key_aliases' ...").
    throw new GatewayError('validation_error', issue.message);
  }
  const path = formatPath(issue.path);
  throw new GatewayError('validation_error', `${path}: ${issue.message}`, { param: path });
}
