/**
 * Keys as the API shows them. `/key/info` never includes the hash; lists and admin responses
 * carry it as the key's id; only `/key/generate` and `/key/regenerate` ever show a raw key.
 */
import type { KeyRecord } from '../store/key-repository.js';
import { withCurrentSpend, type SpendTime } from './current-spend.js';

/** Fields LiteLLM's rows have that Tollgate does not track (yet), with their empty values. */
const LITELLM_EXTRAS = {
  organization_id: null,
  allowed_cache_controls: [],
  model_spend: {},
  litellm_budget_table: null,
} as const;

/** The key at `at`: the spend of its current budget window. */
export function keyInfo(record: KeyRecord, at: SpendTime): Record<string, unknown> {
  const { token: _token, ...rest } = withCurrentSpend(record, at);
  return { ...rest, ...LITELLM_EXTRAS };
}

export function keyObject(record: KeyRecord, at: SpendTime): Record<string, unknown> {
  return { token: record.token, ...keyInfo(record, at) };
}

/** The one response that holds the raw key: GenerateKeyResponse. */
export function generatedKey(
  record: KeyRecord,
  raw: string,
  duration: string | null | undefined,
  at: SpendTime,
): Record<string, unknown> {
  return {
    ...keyInfo(record, at),
    key: raw,
    token: record.token,
    token_id: record.token,
    duration: duration ?? null,
  };
}
