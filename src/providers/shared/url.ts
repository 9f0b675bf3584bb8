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
] as const;

/** The request body for the upstream: deployment defaults, then the client's fields, minus ours. */
export function upstreamBody<T extends object>(
  request: T,
  defaults: Record<string, unknown>,
  model: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...defaults, ...request, model };
  for (const field of GATEWAY_ONLY_FIELDS) delete body[field];
  return body;
}
