/**
 * Spend per day from `/spend/logs` with a date range (aggregated by the gateway from its daily
 * totals), and the totals the pages chart: per model, per key and per user.
 */
import { api } from './http';

export interface SpendDay {
  day: string;
  spend: number;
  byKey: Record<string, number>;
  byUser: Record<string, number>;
  byModel: Record<string, number>;
}

const NAMED_FIELDS = new Set(['startTime', 'spend', 'users', 'models']);

export async function spendByDay(query: {
  start_date: string;
  end_date: string;
  user_id?: string;
  /** IANA zone the days are counted in (the gateway's UTC days without it). */
  timezone?: string;
}): Promise<SpendDay[]> {
  const rows = await api.get<Record<string, unknown>[]>('/spend/logs', query);
  return rows.map((row) => {
    const byKey: Record<string, number> = {};
    // Every top-level field that is not one of LiteLLM's named ones is a key hash.
    for (const [field, value] of Object.entries(row)) {
      if (!NAMED_FIELDS.has(field) && typeof value === 'number') byKey[field] = value;
    }
    return {
      day: String(row.startTime).slice(0, 10),
      spend: Number(row.spend ?? 0),
      byKey,
      byUser: (row.users ?? {}) as Record<string, number>,
      byModel: (row.models ?? {}) as Record<string, number>,
    };
  });
}

export interface Total {
  name: string;
  spend: number;
}

/** The sum of one breakdown over every day, largest first. */
export function totalsOf(
  days: readonly SpendDay[],
  pick: (d: SpendDay) => Record<string, number>,
): Total[] {
  const sums = new Map<string, number>();
  for (const day of days) {
    for (const [name, spend] of Object.entries(pick(day))) {
      sums.set(name, (sums.get(name) ?? 0) + spend);
    }
  }
  return [...sums].map(([name, spend]) => ({ name, spend })).sort((a, b) => b.spend - a.spend);
}
