/**
 * `/user/daily/activity` and `/team/daily/activity` (LiteLLM's usage pages): per UTC day, the
 * spend, tokens and calls of what the caller may see, broken down by model, model group,
 * provider and key (and, for teams, by team), read from the daily aggregates, a page of days at a
 * time, newest last.
 */
import type {
  DailyFilter,
  DailyGroup,
  SpendReportRepository,
} from '../store/spend-report-repository.js';

const GROUP = [
  'date',
  'model',
  'model_group',
  'custom_llm_provider',
  'api_key',
  'team_id',
] as const;
type Row = DailyGroup<(typeof GROUP)[number]>;

interface Metrics {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  total_tokens: number;
  successful_requests: number;
  failed_requests: number;
  api_requests: number;
}

interface Breakdown {
  metrics: Metrics;
  metadata: Record<string, unknown>;
}

export interface ActivityPage {
  page: number;
  pageSize: number;
  /** `team`: each day's breakdown also has `entities`, one per team. */
  byTeam?: boolean;
}

export async function dailyActivity(
  reports: Pick<SpendReportRepository, 'daily' | 'keyNames' | 'teamAliases'>,
  filter: DailyFilter,
  { page, pageSize, byTeam = false }: ActivityPage,
): Promise<Record<string, unknown>> {
  const days = (await reports.daily(filter, ['date'])).map((d) => d.date);
  const totalPages = Math.max(1, Math.ceil(days.length / pageSize));
  const shown = days.slice((page - 1) * pageSize, page * pageSize);
  const rows =
    shown.length === 0
      ? []
      : await reports.daily(
          { ...filter, fromDate: shown[0], toDate: shown[shown.length - 1] },
          GROUP,
        );
  const keys = await reports.keyNames([...new Set(rows.map((r) => r.api_key).filter(Boolean))]);
  const teams = byTeam
    ? await reports.teamAliases([...new Set(rows.map((r) => r.team_id).filter(Boolean))])
    : new Map<string, string | null>();
  const results = new Map<string, ReturnType<typeof emptyDay>>();
  for (const date of shown) results.set(date, emptyDay(date));
  const total = zero();
  for (const row of rows) {
    const day = results.get(row.date);
    if (!day) continue;
    add(day.metrics, row);
    add(total, row);
    const b = day.breakdown;
    add(entry(b.models, row.model, {}), row);
    add(entry(b.model_groups, row.model_group, {}), row);
    add(entry(b.providers, row.custom_llm_provider, {}), row);
    if (row.api_key !== '') {
      const key = keys.get(row.api_key);
      add(
        entry(b.api_keys, row.api_key, {
          key_alias: key?.key_alias ?? null,
          team_id: row.team_id || null,
        }),
        row,
      );
    }
    if (byTeam && row.team_id !== '') {
      add(entry(b.entities, row.team_id, { team_alias: teams.get(row.team_id) ?? null }), row);
    }
  }
  return {
    results: [...results.values()],
    metadata: {
      total_spend: total.spend,
      total_prompt_tokens: total.prompt_tokens,
      total_completion_tokens: total.completion_tokens,
      total_tokens: total.total_tokens,
      total_api_requests: total.api_requests,
      total_successful_requests: total.successful_requests,
      total_failed_requests: total.failed_requests,
      total_cache_read_input_tokens: 0,
      total_cache_creation_input_tokens: 0,
      page,
      total_pages: totalPages,
      has_more: page < totalPages,
    },
  };
}

function emptyDay(date: string) {
  return {
    date,
    metrics: zero(),
    breakdown: {
      models: {} as Record<string, Breakdown>,
      model_groups: {} as Record<string, Breakdown>,
      providers: {} as Record<string, Breakdown>,
      api_keys: {} as Record<string, Breakdown>,
      mcp_servers: {},
      endpoints: {},
      entities: {} as Record<string, Breakdown>,
    },
  };
}

function entry(
  into: Record<string, Breakdown>,
  name: string,
  metadata: Record<string, unknown>,
): Metrics {
  const label = name === '' ? 'unknown' : name;
  into[label] ??= { metrics: zero(), metadata };
  return into[label].metrics;
}

function zero(): Metrics {
  return {
    spend: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    total_tokens: 0,
    successful_requests: 0,
    failed_requests: 0,
    api_requests: 0,
  };
}

function add(metrics: Metrics, row: Row): void {
  metrics.spend += row.spend;
  metrics.prompt_tokens += row.prompt_tokens;
  metrics.completion_tokens += row.completion_tokens;
  metrics.total_tokens += row.total_tokens;
  metrics.api_requests += row.api_requests;
  metrics.successful_requests += row.successful_requests;
  metrics.failed_requests += row.failed_requests;
}
