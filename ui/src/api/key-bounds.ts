/**
 * What the signed-in user may put on a new key (`GET /key/generate/bounds`): the operator's
 * `upperbound_key_generate_params` and the models the user may call.
 */
import { api } from './http';

export interface KeyBounds {
  max_budget: number | null;
  budget_duration: string | null;
  duration: string | null;
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  models: string[];
}

export function keyBounds(): Promise<KeyBounds> {
  return api.get<KeyBounds>('/key/generate/bounds');
}

const UNITS: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  m: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  w: ['week', 'weeks'],
  mo: ['month', 'months'],
};

/** `30d` → `30 days`; anything else as written. */
export function durationWords(duration: string): string {
  const match = /^(\d+)(mo|s|m|h|d|w)$/.exec(duration.trim());
  const unit = match?.[2] ? UNITS[match[2]] : undefined;
  if (!match || !unit) return duration;
  return `${match[1]} ${match[1] === '1' ? unit[0] : unit[1]}`;
}
