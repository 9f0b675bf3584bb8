/**
 * `model_rpm_limit` / `model_tpm_limit` of keys and teams, a key's `enforced_params`, and the
 * `guardrails` and `disable_global_guardrails` of both: LiteLLM
 * takes them as fields of `/key/generate`, `/key/update` (and the rate limits of `/team/new` and
 * `/team/update`) and keeps them in the row's `metadata`, where the request path reads them (and
 * where they may also be written directly).
 */
import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';

/** `{"gpt-4o": 100}`: a whole number of requests (or tokens) a minute per model. */
export const modelLimits = z
  .record(z.string(), z.number().int().nonnegative())
  .nullable()
  .optional();

export interface ModelLimitFields {
  metadata?: Record<string, unknown> | null;
  model_rpm_limit?: Record<string, number> | null;
  model_tpm_limit?: Record<string, number> | null;
  enforced_params?: string[] | null;
  /** Guardrails every call of the key (or team) runs, and the switch of the `default_on` ones. */
  guardrails?: string[] | null;
  disable_global_guardrails?: boolean | null;
}

const METADATA_FIELDS = [
  'model_rpm_limit',
  'model_tpm_limit',
  'enforced_params',
  'guardrails',
  'disable_global_guardrails',
] as const;

/** Metadata fields that turn guardrails off (src/guardrails/guardrails.ts). */
const GUARDRAIL_SWITCHES = ['disable_global_guardrails', 'opted_out_global_guardrails'] as const;

/**
 * The guardrail setting of a key's or team's metadata that a write changes and that only a proxy
 * admin may change, or undefined: turning `default_on` guardrails off, removing a guardrail the
 * row runs, or a team's lock (`guardrails: {modify_guardrails: false}`). Adding guardrails is
 * anyone's to do: it only checks more.
 */
export function guardrailChangeOnlyAdminsMake(
  next: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>> = {},
): string | undefined {
  for (const field of GUARDRAIL_SWITCHES) {
    if (JSON.stringify(next[field]) !== JSON.stringify(stored[field])) return field;
  }
  const before = stored.guardrails;
  const after = next.guardrails;
  if (Array.isArray(before)) {
    const kept = new Set(Array.isArray(after) ? after : []);
    if (before.some((name) => !kept.has(name))) return 'guardrails';
  } else if (before !== undefined || (after !== undefined && !Array.isArray(after))) {
    if (JSON.stringify(after) !== JSON.stringify(before)) return 'guardrails';
  }
  return undefined;
}

/**
 * The metadata a write leaves when it names `model_rpm_limit`, `model_tpm_limit` or
 * `enforced_params` (`null` removes one), over the metadata it sends or else the stored one;
 * `undefined` when it names none, so the metadata is written only as the request gives it.
 */
export function metadataWithModelLimits(
  input: ModelLimitFields,
  stored: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> | undefined {
  if (METADATA_FIELDS.every((field) => input[field] === undefined)) return undefined;
  const metadata: Record<string, unknown> = { ...(input.metadata ?? stored) };
  for (const field of METADATA_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) delete metadata[field];
    else metadata[field] = value;
  }
  return metadata;
}

/**
 * Refuses a write of a key's or team's metadata that turns its guardrails off, removes one or
 * changes a team's lock, unless the caller is a proxy admin: a user could otherwise skip the
 * operator's guardrails on its own key, a team admin on its team.
 */
export function refuseGuardrailChange(
  byProxyAdmin: boolean,
  what: 'key' | 'team',
  metadata: Readonly<Record<string, unknown>> | undefined,
  stored?: Readonly<Record<string, unknown>>,
): void {
  if (byProxyAdmin || metadata === undefined) return;
  const field = guardrailChangeOnlyAdminsMake(metadata, stored);
  if (field !== undefined) {
    throw new GatewayError(
      'forbidden',
      `Only proxy admins can turn guardrails off for a ${what} or remove its guardrails (${field})`,
      { param: field },
    );
  }
}
