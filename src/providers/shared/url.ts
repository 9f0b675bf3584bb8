/** Joins a configured base URL and a path without doubling or losing slashes. */
export function joinUrl(base: string, path: string): string {
  const trimmed = base.endsWith('/') ? base.slice(0, -1) : base;
  return path.startsWith('/') ? trimmed + path : `${trimmed}/${path}`;
}

/** Request fields the gateway consumes itself and never forwards to a provider. */
export const GATEWAY_ONLY_FIELDS = [
  'mock_response',
  'mock_testing_fallbacks',
  'drop_params',
  'metadata',
  'litellm_metadata',
  'fallbacks',
  'num_retries',
  'caching',
  'cache',
  'tags',
  'guardrails',
  'disable_global_guardrails',
  'guardrail_config',
] as const;

/**
 * What is not copied: the gateway's fields, and a `__proto__` key, which assigning below would
 * turn into the body's prototype instead of copying (the spread this replaced kept it as a field;
 * JSON bodies holding one are refused before they get here).
 */
const NOT_COPIED = new Set<string>([...GATEWAY_ONLY_FIELDS, '__proto__']);

/**
 * The request body for the upstream: deployment defaults, then the client's fields, minus ours;
 * the same keys in the same order as `{ ...defaults, ...request, model }` without them. Copied
 * field by field rather than spread and then trimmed: each `delete`, even of a field that is not
 * there, is a call into V8's runtime (~9,000 instructions a request for the ten fields).
 */
export function upstreamBody<T extends object>(
  request: T,
  defaults: Record<string, unknown>,
  model: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    if (!NOT_COPIED.has(key)) body[key] = defaults[key];
  }
  const fields = request as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!NOT_COPIED.has(key)) body[key] = fields[key];
  }
  body.model = model;
  return body;
}
