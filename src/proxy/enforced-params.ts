/**
 * `enforced_params`: request fields an LLM call must carry, as LiteLLM checks them. They come
 * from `general_settings.enforced_params` (every caller), `general_settings.
 * service_account_settings.enforced_params` (keys whose metadata names a `service_account_id`)
 * and a key's own `enforced_params` (kept in its metadata). A name is a top-level field
 * (`user`) or one level inside one (`metadata.generation_name`).
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';

export interface EnforcedParamsSettings {
  /** `general_settings.enforced_params`. */
  all: readonly string[];
  /** `general_settings.service_account_settings.enforced_params`. */
  serviceAccounts: readonly string[];
}

export const NO_ENFORCED_PARAMS: EnforcedParamsSettings = { all: [], serviceAccounts: [] };

/** Refuses a body without a field the settings or the caller's key require. */
export function checkEnforcedParams(
  body: object,
  principal: Principal,
  settings: EnforcedParamsSettings,
): void {
  const metadata = principal.key?.metadata;
  if (settings.all.length > 0) requireParams(body, settings.all);
  if (!metadata) return;
  if (settings.serviceAccounts.length > 0 && metadata.service_account_id != null) {
    requireParams(body, settings.serviceAccounts);
  }
  const own = metadata.enforced_params;
  if (Array.isArray(own) && own.length > 0) {
    requireParams(
      body,
      own.filter((p): p is string => typeof p === 'string'),
    );
  }
}

function requireParams(body: object, params: readonly string[]): void {
  const record = body as Record<string, unknown>;
  for (const param of params) {
    const dot = param.indexOf('.');
    const head = dot < 0 ? param : param.slice(0, dot);
    if (!has(record, head)) throw missing(head, head);
    if (dot < 0) continue;
    const inner = record[head];
    const tail = param.slice(dot + 1);
    if (!inner || typeof inner !== 'object' || !has(inner as Record<string, unknown>, tail)) {
      throw missing(`[${head}][${tail}]`, param);
    }
  }
}

function has(record: Record<string, unknown>, field: string): boolean {
  return Object.hasOwn(record, field) && record[field] !== undefined;
}

function missing(named: string, param: string): GatewayError {
  return new GatewayError(
    'bad_request',
    `BadRequest please pass param=${named} in request body. This is a required param`,
    { param },
  );
}
