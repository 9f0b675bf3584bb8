/**
 * `/global/spend/report` from the daily totals, in LiteLLM's shapes: per day and team (or
 * customer) with its spend by model and key underneath, or per key with its spend by model.
 */
import type { DailyGroup, SpendReportRepository } from '../store/spend-report-repository.js';
import type { ReportDays } from './spend-days.js';

export type ReportGrouping = 'team' | 'customer' | 'api_key';

export async function spendReport(
  reports: Pick<SpendReportRepository, 'teamAliases'>,
  source: ReportDays,
  groupBy: ReportGrouping,
): Promise<unknown[]> {
  if (groupBy === 'api_key') {
    return byKey(await source.read(['api_key', 'model']));
  }
  const column = groupBy === 'team' ? 'team_id' : 'end_user';
  const rows = await source.read(['date', column, 'model', 'api_key']);
  const aliases =
    groupBy === 'team'
      ? await reports.teamAliases([...new Set(rows.map((r) => r.team_id).filter(Boolean))])
      : new Map<string, string | null>();
  const days = new Map<string, Map<string, { total: number; metadata: unknown[] }>>();
  for (const r of rows) {
    const id = groupBy === 'team' ? r.team_id : r.end_user;
    const day = days.get(r.date) ?? new Map<string, { total: number; metadata: unknown[] }>();
    const group = day.get(id) ?? { total: 0, metadata: [] };
    group.total += r.spend;
    group.metadata.push({
      model: r.model,
      api_key: r.api_key,
      spend: r.spend,
      total_tokens: r.total_tokens,
    });
    day.set(id, group);
    days.set(r.date, day);
  }
  return [...days].map(([date, groups]) => ({
    group_by_day: date,
    [groupBy === 'team' ? 'teams' : 'customers']: [...groups].map(([id, group]) =>
      groupBy === 'team'
        ? {
            team_id: id === '' ? null : id,
            team_name: id === '' ? 'Unassigned Team' : (aliases.get(id) ?? id),
            total_spend: group.total,
            metadata: group.metadata,
          }
        : { customer: id === '' ? null : id, total_spend: group.total, metadata: group.metadata },
    ),
  }));
}

function byKey(rows: readonly DailyGroup<'api_key' | 'model'>[]): unknown[] {
  const keys = new Map<
    string,
    { total_cost: number; input: number; output: number; models: unknown[] }
  >();
  for (const r of rows) {
    const key = keys.get(r.api_key) ?? { total_cost: 0, input: 0, output: 0, models: [] };
    key.total_cost += r.spend;
    key.input += r.prompt_tokens;
    key.output += r.completion_tokens;
    key.models.push({
      model: r.model,
      total_cost: r.spend,
      prompt_tokens: r.prompt_tokens,
      completion_tokens: r.completion_tokens,
    });
    keys.set(r.api_key, key);
  }
  return [...keys].map(([apiKey, key]) => ({
    api_key: apiKey,
    total_cost: key.total_cost,
    total_input_tokens: key.input,
    total_output_tokens: key.output,
    model_details: key.models,
  }));
}
