/** Validates a request body against its schema; the first problem names the field. */
import type { z } from 'zod';
import { formatPath } from '../config/config-error.js';
import { GatewayError } from '../errors/gateway-error.js';

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('bad_request', 'Request body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? formatPath(issue.path) : '(body)';
  throw new GatewayError(
    'bad_request',
    `Invalid request body: ${path}: ${issue?.message ?? 'invalid'}`,
    {
      param: path,
    },
  );
}
