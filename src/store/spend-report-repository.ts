/**
 * Reads for the spend reports. Totals come from the daily aggregates (one row per day × key ×
 * user × team × customer × model, a few per day per active key however many calls it made), so
 * the reports stay fast over millions of log rows; only `/spend/logs` reads the log itself, by
 * its indexes, one page at a time.
 */
import { sql, type Kysely } from 'kysely';
import type {
  DatabaseSchema,
  DailySpendTable,
  DailyTagSpendTable,
  SpendLogTable,
} from './schema.js';

type Db = Kysely<DatabaseSchema>;

export interface SpendLogFilter {
  apiKey?: string;
  userId?: string;
  requestId?: string;
  teamId?: string;
  endUser?: string;
  model?: string;
  status?: string;
  minSpend?: number;
  maxSpend?: number;
  /** ISO instant, inclusive. */
  since?: string;
  /** ISO instant, exclusive. */
  until?: string;
}

export interface SpendLogRecord extends Omit<SpendLogTable, 'request_tags' | 'metadata'> {
  request_tags: string[];
  metadata: Record<string, unknown>;
  /** What the call asked and answered, when they were kept (`store_prompts_in_spend_logs`). */
  messages?: unknown;
  response?: unknown;
}

/** Dimensions of the daily aggregate a report groups by or filters on. */
export type DailyDimension = Exclude<keyof DailySpendTable, keyof DailyTotals>;
/** The dimensions of the per-tag daily totals (`daily_tag_spend`). */
export type TagDailyDimension = Exclude<keyof DailyTagSpendTable, keyof DailyTotals>;

export interface DailyTotals {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  api_requests: number;
  successful_requests: number;
  failed_requests: number;
}

export interface DailyFilter<D extends string = DailyDimension> {
  /** `YYYY-MM-DD`, inclusive. */
  fromDate?: string;
  /** `YYYY-MM-DD`, inclusive. */
  toDate?: string;
  equals?: Partial<Record<D, string>>;
  /** Each dimension named must be one of its values (an empty list matches nothing). */
  oneOf?: Partial<Record<D, readonly string[]>>;
}

export type DailyGroup<D extends string> = Record<D, string> & DailyTotals;

/** The budget columns of a key or user row, for `/spend/keys` and `/spend/users`. */
export interface SpendHolder {
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
}

export type KeySpendRow = SpendHolder & {
  token: string;
  key_name: string | null;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  created_at: string;
};

export type UserSpendRow = SpendHolder & {
  user_id: string;
  user_alias: string | null;
  user_email: string | null;
  user_role: string;
};

export class SpendReportRepository {
  constructor(private readonly db: Db) {}

  /** A page of log rows, newest first, and how many rows match in all. */
  async logs(
    filter: SpendLogFilter,
    page: { offset: number; limit: number },
  ): Promise<{ rows: SpendLogRecord[]; total: number }> {
    const where = this.db.selectFrom('spend_logs').$call((q) => {
      let query = q;
      if (filter.apiKey !== undefined) query = query.where('api_key', '=', filter.apiKey);
      // The partial indexes by user and customer hold only rows that name one (migration 0014).
      if (filter.userId !== undefined) {
        query = query.where('user', '=', filter.userId);
        if (filter.userId !== '') query = query.where('user', '<>', '');
      }
      if (filter.requestId !== undefined) query = query.where('request_id', '=', filter.requestId);
      if (filter.teamId !== undefined) query = query.where('team_id', '=', filter.teamId);
      if (filter.endUser !== undefined) {
        query = query.where('end_user', '=', filter.endUser);
        if (filter.endUser !== '') query = query.where('end_user', '<>', '');
      }
      if (filter.model !== undefined) query = query.where('model_group', '=', filter.model);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.minSpend !== undefined) query = query.where('spend', '>=', filter.minSpend);
      if (filter.maxSpend !== undefined) query = query.where('spend', '<=', filter.maxSpend);
      if (filter.since !== undefined) query = query.where('startTime', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('startTime', '<', filter.until);
      return query;
    });
    const [rows, count] = await Promise.all([
      where
        .selectAll()
        .orderBy('startTime', 'desc')
        .orderBy('request_id', 'desc')
        .offset(page.offset)
        .limit(page.limit)
        .execute(),
      where.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    const records = rows.map(readLog);
    await this.attachPayloads(records);
    return { rows: records, total: Number(count?.n ?? 0) };
  }

  /** Adds the kept requests and answers of the rows that have them. */
  private async attachPayloads(records: SpendLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const payloads = await this.db
      .selectFrom('spend_log_payloads')
      .select(['request_id', 'messages', 'response'])
      .where(
        'request_id',
        'in',
        records.map((r) => r.request_id),
      )
      .execute();
    if (payloads.length === 0) return;
    const byId = new Map(payloads.map((p) => [p.request_id, p]));
    for (const record of records) {
      const payload = byId.get(record.request_id);
      if (!payload) continue;
      record.messages = parse(payload.messages, {});
      record.response = parse(payload.response, {});
    }
  }

  /** Daily totals summed per combination of `groupBy` (empty: one grand total row). */
  async daily<D extends DailyDimension>(
    filter: DailyFilter,
    groupBy: readonly D[],
  ): Promise<DailyGroup<D>[]> {
    return this.sumDaily('daily_spend', filter, groupBy);
  }

  /** The per-tag daily totals summed per `groupBy` (`/tag/daily/activity`). */
  async tagDaily<D extends TagDailyDimension>(
    filter: DailyFilter<TagDailyDimension>,
    groupBy: readonly D[],
  ): Promise<DailyGroup<D>[]> {
    return this.sumDaily('daily_tag_spend', filter, groupBy);
  }

  private async sumDaily<D extends string>(
    table: 'daily_spend' | 'daily_tag_spend',
    filter: DailyFilter<string>,
    groupBy: readonly D[],
  ): Promise<DailyGroup<D>[]> {
    // Both aggregate tables have `date`, their dimensions and the same totals.
    let query = this.db.selectFrom(table as 'daily_spend');
    if (filter.fromDate !== undefined) query = query.where('date', '>=', filter.fromDate);
    if (filter.toDate !== undefined) query = query.where('date', '<=', filter.toDate);
    for (const [column, value] of Object.entries(filter.equals ?? {})) {
      if (value !== undefined) query = query.where(column as DailyDimension, '=', value);
    }
    for (const [column, values] of Object.entries(filter.oneOf ?? {})) {
      if (values === undefined) continue;
      query =
        values.length === 0
          ? query.where(sql<boolean>`1 = 0`)
          : query.where(column as DailyDimension, 'in', [...values]);
    }
    const columns = groupBy as unknown as readonly DailyDimension[];
    const rows = await query
      .select(columns)
      .select((eb) => [
        eb.fn.sum<number>('spend').as('spend'),
        eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
        eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
        eb.fn.sum<number>('total_tokens').as('total_tokens'),
        eb.fn.sum<number>('api_requests').as('api_requests'),
        eb.fn.sum<number>('successful_requests').as('successful_requests'),
        eb.fn.sum<number>('failed_requests').as('failed_requests'),
      ])
      .$if(columns.length > 0, (q) =>
        columns.reduce((ordered, column) => ordered.orderBy(column), q.groupBy(columns)),
      )
      .execute();
    return rows.map((row) => numbersOf(row as Record<string, unknown>) as DailyGroup<D>);
  }

  /**
   * Log rows in `[since, until)` summed per period × `groupBy`, with the period in `date`: the
   * first `periodLength` characters of the ISO start time (13: the UTC hour, 16: the minute).
   * What reports in a time zone other than UTC read, since the daily totals are UTC days.
   */
  async periodTotals<D extends DailyDimension>(
    filter: { since: string; until: string; equals?: Partial<Record<DailyDimension, string>> },
    groupBy: readonly D[],
    periodLength: 13 | 16,
  ): Promise<DailyGroup<D>[]> {
    const column = (dimension: DailyDimension) =>
      dimension === 'date'
        ? sql<string>`substr(${sql.ref('startTime')}, 1, ${sql.lit(periodLength)})`
        : sql<string>`coalesce(${sql.ref(LOG_COLUMN[dimension])}, '')`;
    let query = this.db
      .selectFrom('spend_logs')
      .where('startTime', '>=', filter.since)
      .where('startTime', '<', filter.until);
    for (const [dimension, value] of Object.entries(filter.equals ?? {})) {
      if (value !== undefined) query = query.where(column(dimension as DailyDimension), '=', value);
    }
    const rows = await query
      .select(groupBy.map((d) => column(d).as(d)))
      .select((eb) => [
        eb.fn.sum<number>('spend').as('spend'),
        eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
        eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
        eb.fn.sum<number>('total_tokens').as('total_tokens'),
        eb.fn.countAll<number>().as('api_requests'),
        sql<number>`sum(case when status = 'success' then 1 else 0 end)`.as('successful_requests'),
        sql<number>`sum(case when status = 'success' then 0 else 1 end)`.as('failed_requests'),
      ])
      .$if(groupBy.length > 0, (q) => q.groupBy(groupBy.map((d) => column(d))))
      .execute();
    return rows.map((row) => numbersOf(row as Record<string, unknown>) as DailyGroup<D>);
  }

  /** Keys, highest stored spend first; only `userId`'s when given. */
  async keys(limit: number, userId?: string): Promise<KeySpendRow[]> {
    return this.db
      .selectFrom('keys')
      .select([
        'token',
        'key_name',
        'key_alias',
        'user_id',
        'team_id',
        'spend',
        'max_budget',
        'budget_duration',
        'budget_reset_at',
        'created_at',
      ])
      .$if(userId !== undefined, (q) => q.where('user_id', '=', userId ?? ''))
      .orderBy('spend', 'desc')
      .orderBy('token')
      .limit(limit)
      .execute();
  }

  /** Users, highest stored spend first; only `userId` when given. */
  async users(limit: number, userId?: string): Promise<UserSpendRow[]> {
    return this.db
      .selectFrom('users')
      .select([
        'user_id',
        'user_alias',
        'user_email',
        'user_role',
        'spend',
        'max_budget',
        'budget_duration',
        'budget_reset_at',
      ])
      .$if(userId !== undefined, (q) => q.where('user_id', '=', userId ?? ''))
      .orderBy('spend', 'desc')
      .orderBy('user_id')
      .limit(limit)
      .execute();
  }

  /** Key aliases and names by hash, for reports that show them next to a key's spend. */
  async keyNames(
    tokens: readonly string[],
  ): Promise<Map<string, { key_alias: string | null; key_name: string | null }>> {
    const out = new Map<string, { key_alias: string | null; key_name: string | null }>();
    if (tokens.length === 0) return out;
    const rows = await this.db
      .selectFrom('keys')
      .select(['token', 'key_alias', 'key_name'])
      .where('token', 'in', [...tokens])
      .execute();
    for (const r of rows) out.set(r.token, { key_alias: r.key_alias, key_name: r.key_name });
    return out;
  }

  /** Team aliases by id. */
  async teamAliases(teamIds: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (teamIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('teams')
      .select(['team_id', 'team_alias'])
      .where('team_id', 'in', [...teamIds])
      .execute();
    for (const r of rows) out.set(r.team_id, r.team_alias);
    return out;
  }

  /** Spend, request count per tag over a date range (inclusive days), highest spend first. */
  async tags(
    fromDate?: string,
    toDate?: string,
  ): Promise<{ tag: string; spend: number; api_requests: number }[]> {
    let query = this.db.selectFrom('daily_tag_spend');
    if (fromDate !== undefined) query = query.where('date', '>=', fromDate);
    if (toDate !== undefined) query = query.where('date', '<=', toDate);
    const rows = await query
      .select('tag')
      .select((eb) => [
        eb.fn.sum<number>('spend').as('spend'),
        eb.fn.sum<number>('api_requests').as('api_requests'),
      ])
      .groupBy('tag')
      .orderBy(sql`sum(spend)`, 'desc')
      .orderBy('tag')
      .execute();
    return rows.map((r) => ({
      tag: r.tag,
      spend: Number(r.spend),
      api_requests: Number(r.api_requests),
    }));
  }

  /** Each tag calls were booked under, with the first and last day it was (between the days given). */
  async tagDays(
    fromDate?: string,
    toDate?: string,
  ): Promise<{ tag: string; first: string; last: string }[]> {
    let query = this.db.selectFrom('daily_tag_spend');
    if (fromDate !== undefined) query = query.where('date', '>=', fromDate);
    if (toDate !== undefined) query = query.where('date', '<=', toDate);
    const rows = await query
      .select('tag')
      .select((eb) => [eb.fn.min<string>('date').as('first'), eb.fn.max<string>('date').as('last')])
      .groupBy('tag')
      .orderBy('tag')
      .execute();
    return rows.map((r) => ({ tag: r.tag, first: r.first, last: r.last }));
  }
}

/** The spend log column each daily dimension is made from (as the ledger books it). */
const LOG_COLUMN: Record<Exclude<DailyDimension, 'date'>, keyof SpendLogTable> = {
  api_key: 'api_key',
  user_id: 'user',
  team_id: 'team_id',
  end_user: 'end_user',
  model_group: 'model_group',
  model: 'model',
  custom_llm_provider: 'custom_llm_provider',
};

function readLog(row: SpendLogTable): SpendLogRecord {
  return {
    ...row,
    total_tokens: Number(row.total_tokens),
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
    request_duration_ms: row.request_duration_ms === null ? null : Number(row.request_duration_ms),
    request_tags: parse(row.request_tags, []),
    metadata: parse(row.metadata, {}),
  };
}

/** PostgreSQL returns sums of BIGINT as strings and of DOUBLE as numbers; both become numbers. */
function numbersOf(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const column of [
    'spend',
    'prompt_tokens',
    'completion_tokens',
    'total_tokens',
    'api_requests',
    'successful_requests',
    'failed_requests',
  ]) {
    out[column] = Number(out[column] ?? 0);
  }
  return out;
}

function parse<T>(text: string, fallback: T): T {
  try {
    return (JSON.parse(text) as T | null) ?? fallback;
  } catch {
    return fallback;
  }
}
