/**
 * LiteLLM's client-side fallbacks: a request may name the model groups to try, in order, when its
 * own model fails (`"fallbacks": ["gpt-4o-mini", {"model": "claude"}]`). They replace the
 * configured fallbacks for that call, go through the caller's aliases, and are used only where
 * the caller may use them (the router checks each one as it falls back).
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';

/** The groups a request asks to fall back to; undefined when it names none. */
export function requestFallbacks(
  body: { fallbacks?: unknown },
  principal: Principal,
): string[] | undefined {
  const list = body.fallbacks;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    throw invalid('fallbacks', 'fallbacks: must be a list of model names');
  }
  return list.map((entry: unknown, index) => {
    const at = `fallbacks[${index}]`;
    const model =
      typeof entry === 'string'
        ? entry
        : entry && typeof entry === 'object' && !Array.isArray(entry)
          ? modelOf(entry as Record<string, unknown>, at)
          : undefined;
    if (model === undefined || model === '') {
      throw invalid(at, `${at}: must be a model name or {"model": "<name>"}`);
    }
    return principal.resolveModelAlias(model);
  });
}

function modelOf(entry: Record<string, unknown>, at: string): string | undefined {
  const other = Object.keys(entry).find((key) => key !== 'model');
  if (other !== undefined) {
    throw invalid(
      at,
      `${at}: "${other}" is not supported in a fallback; name the model only ({"model": "<name>"}), the request is sent as it is`,
    );
  }
  return typeof entry.model === 'string' ? entry.model : undefined;
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('bad_request', message, { param });
}
