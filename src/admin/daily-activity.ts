/**
 * `/user/daily/activity` and `/team/daily/activity` (LiteLLM's usage pages): per UTC day, the
 * spend, tokens and calls of what the caller may see, broken down by model, model group,
 * provider and key (and, for teams, by team), read from the daily aggregates, a page of days at a
 * time, newest last.
 */
import type {
  DailyDimension,
  DailyFilter,
  DailyGroup,
  SpendReportRepository,
  TagDailyDimension,
} from '../store/spend-report-repository.js';

/** What every day is broken down by, besides the entities of a page (teams, tags). */
const BREAKDOWN = ['date', 'model', 'model_group', 'custom_llm_provider', 'api_key'] as const;
type Row = DailyGroup<(typeof BREAKDOWN)[number]> & { team_id?: string };

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

/** The daily aggregates a page reads: `daily_spend` (users, teams) or `daily_tag_spend` (tags). */
export interface ActivitySource {
  daily(filter: DailyFilter<string>, groupBy: readonly string[]): Promise<DailyGroup<string>[]>;
  keyNames: SpendReportRepository['keyNames'];
}

/** The users' and teams' pages read `daily_spend`. */
export function spendActivity(reports: SpendReportRepository): ActivitySource {
  return {
    daily: (filter, groupBy) =>
      reports.daily(filter as DailyFilter, groupBy as DailyDimension[]) as Promise<
        DailyGroup<string>[]
      >,
    keyNames: (hashes) => reports.keyNames(hashes),
  };
}

/** The tags' page reads `daily_tag_spend`. */
export function tagActivity(reports: SpendReportRepository): ActivitySource {
  return {
    daily: (filter, groupBy) =>
      reports.tagDaily(
        filter as DailyFilter<TagDailyDimension>,
        groupBy as TagDailyDimension[],
      ) as Promise<DailyGroup<string>[]>,
    keyNames: (hashes) => reports.keyNames(hashes),
  };
}

export interface ActivityPage {
  page: number;
  pageSize: number;
  /**
   * Each day's breakdown also has `entities`, one per value of this column (`team_id`, `tag`),
   * with the metadata `describe` gives them.
   */
  entities?: {
    column: string;
    describe(ids: string[]): Promise<Map<string, Record<string, unknown>>>;
  };
}

export async function dailyActivity(
  source: ActivitySource,
  filter: DailyFilter<string>,
  { page, pageSize, entities }: ActivityPage,
): Promise<Record<string, unknown>> {
  const days = (await source.daily(filter, ['date'])).map((d) => d.date as string);
  const totalPages = Math.max(1, Math.ceil(days.length / pageSize));
  const shown = days.slice((page - 1) * pageSize, page * pageSize);
  const group: string[] = [...BREAKDOWN, 'team_id'];
  if (entities && entities.column !== 'team_id')
    group.splice(group.indexOf('team_id'), 1, entities.column);
  const rows: Row[] =
    shown.length === 0
      ? []
      : ((await source.daily(
          { ...filter, fromDate: shown[0], toDate: shown[shown.length - 1] },
          group,
        )) as Row[]);
  const keys = await source.keyNames([...new Set(rows.map((r) => r.api_key).filter(Boolean))]);
  const described = entities
    ? await entities.describe([
        ...new Set(rows.map((r) => entityOf(r, entities.column)).filter(Boolean)),
      ])
    : new Map<string, Record<string, unknown>>();
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
    const entity = entities && entityOf(row, entities.column);
    if (entity) add(entry(b.entities, entity, described.get(entity) ?? {}), row);
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

/** A row's value of the entity column (`team_id`, `tag`); '' when it has none. */
function entityOf(row: Row, column: string): string {
  const value = (row as unknown as Record<string, unknown>)[column];
  return typeof value === 'string' ? value : '';
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
