/**
 * The spend reports, in LiteLLM's shapes. Proxy admins and viewers read everything; any other
 * caller reads only its own spend: its user's (or, for a key without a user, its key's),
 * whatever filters it asks for. Totals come from the daily aggregates; only the log routes read
 * log rows, a page at a time.
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type {
  DailyDimension,
  DailyFilter,
  DailyGroup,
  SpendLogFilter,
  SpendLogRecord,
} from '../store/spend-report-repository.js';
import type { Store } from '../store/store.js';
import { noDatabase } from './admin-route.js';
import { readsEverything } from './caller-scope.js';
import { spendTime, withCurrentSpend } from './current-spend.js';
import { dailyActivity, spendActivity, tagActivity } from './daily-activity.js';
import { reportDays } from './spend-days.js';
import { tokenOf } from './key-service.js';
import { spendReport } from './spend-report.js';
import { dayOf, daysBefore, daysBetween, sinceOf, untilOf } from './spend-range.js';
import type {
  DateRangeQuery,
  EndUsersQuery,
  GlobalSpendLogsQuery,
  SpendLogsQuery,
  SpendLogsUiQuery,
  SpendReportQuery,
  SpendUsersQuery,
  TeamDailyActivityQuery,
  TagDailyActivityQuery,
  TopQuery,
  UserDailyActivityQuery,
} from './spend-schemas.js';

export interface SpendServiceDeps {
  /** Absent when the gateway runs without a database. */
  store?: Pick<Store, 'spend' | 'spendReports' | 'teams'>;
  now: () => number;
  /** When budget windows end (the gateway's one calendar): the spend shown is the window's. */
  calendar: BudgetCalendar;
  /** `litellm_settings.max_budget`, shown by `/global/spend`. */
  maxBudget?: number;
  /** Called after `/global/spend/reset`, so that cached spend is forgotten too. */
  afterReset?: () => void;
}

/** What a caller may see: everything, or one user's or one key's spend. */
type Visible = { userId: string } | { apiKey: string } | undefined;

/**
 * A filter value no row holds: what a caller restricted to its own spend gets when it asks for
 * someone else's (PostgreSQL text cannot hold NUL, hence control characters of another kind).
 */
const NOBODY = '\u0001nobody\u0001';

/** LiteLLM's "last 30 days" views (`MonthlyGlobalSpend`, `Last30dKeysBySpend`, ...). */
const RECENT_DAYS = 30;

/** Columns of LiteLLM's SpendLogs that Tollgate does not record, at their empty values. */
const LOG_EXTRAS = {
  completionStartTime: null,
  requester_ip_address: null,
  organization_id: null,
  session_id: null,
  messages: {},
  response: {},
  proxy_server_request: {},
} as const;

export class SpendService {
  constructor(private readonly deps: SpendServiceDeps) {}

  /** `GET /spend/logs`. */
  async logs(caller: Principal, query: SpendLogsQuery): Promise<unknown[]> {
    const reports = this.reports('/spend/logs');
    const visible = visibleTo(caller);
    const apiKey = query.api_key === undefined ? undefined : tokenOf(query.api_key);
    const { start_date: start, end_date: end } = query;
    if (start !== undefined && end !== undefined && query.summarize) {
      const days = reportDays(
        reports,
        { start, end, timezone: query.timezone },
        dailyEquals(visible, { api_key: apiKey, user_id: query.user_id }),
      );
      const rows = await days.read(['date', 'api_key', 'user_id', 'model']);
      return summarizeByDay(rows, days.from, days.to);
    }
    const page = await reports.logs(
      logFilter(visible, {
        apiKey,
        userId: query.user_id,
        requestId: query.request_id,
        since: start === undefined ? undefined : sinceOf(start),
        until: end === undefined ? undefined : untilOf(end),
      }),
      { offset: (query.page - 1) * query.page_size, limit: query.page_size },
    );
    return page.rows.map(logView);
  }

  /** `GET /spend/logs/ui`: one page of log rows with its count. */
  async logsUi(caller: Principal, query: SpendLogsUiQuery): Promise<Record<string, unknown>> {
    const reports = this.reports('/spend/logs/ui');
    if (query.start_date === undefined || query.end_date === undefined) {
      throw new GatewayError('bad_request', 'Start date and end date are required');
    }
    const page = await reports.logs(
      logFilter(visibleTo(caller), {
        apiKey: query.api_key === undefined ? undefined : tokenOf(query.api_key),
        userId: query.user_id,
        requestId: query.request_id,
        teamId: query.team_id,
        endUser: query.end_user,
        model: query.model,
        status: query.status_filter,
        minSpend: query.min_spend,
        maxSpend: query.max_spend,
        since: sinceOf(query.start_date),
        until: untilOf(query.end_date),
      }),
      { offset: (query.page - 1) * query.page_size, limit: query.page_size },
    );
    return {
      data: page.rows.map(logView),
      total: page.total,
      page: query.page,
      page_size: query.page_size,
      total_pages: Math.ceil(page.total / query.page_size),
    };
  }

  /** `GET /global/spend`: spend of the last 30 days. */
  async globalSpend(caller: Principal): Promise<Record<string, unknown>> {
    const [total] = await this.recent('/global/spend', caller, {}, []);
    return { spend: total?.spend ?? 0, max_budget: this.deps.maxBudget ?? 0 };
  }

  /** `GET /global/spend/logs`: spend per day of the last 30 days, of one key when asked. */
  async globalLogs(caller: Principal, query: GlobalSpendLogsQuery): Promise<unknown[]> {
    const apiKey = query.api_key === undefined ? undefined : tokenOf(query.api_key);
    const rows = await this.recent('/global/spend/logs', caller, { api_key: apiKey }, ['date']);
    return rows.map((r) => ({
      date: r.date,
      spend: r.spend,
      ...(apiKey === undefined ? {} : { api_key: apiKey }),
    }));
  }

  /** `GET /global/spend/keys`: the keys that spent most in the last 30 days. */
  async globalKeys(caller: Principal, query: TopQuery): Promise<unknown[]> {
    const rows = top(await this.recent('/global/spend/keys', caller, {}, ['api_key']), query);
    const names = await this.reports('/global/spend/keys').keyNames(rows.map((r) => r.api_key));
    return rows.map((r) => ({
      api_key: r.api_key,
      total_spend: r.spend,
      key_alias: names.get(r.api_key)?.key_alias ?? null,
      key_name: names.get(r.api_key)?.key_name ?? null,
    }));
  }

  /** `GET /global/spend/teams`: spend per team and day over the last 30 days. */
  async globalTeams(caller: Principal): Promise<Record<string, unknown>> {
    const rows = (await this.recent('/global/spend/teams', caller, {}, ['date', 'team_id'])).filter(
      (r) => r.team_id !== '',
    );
    const aliases = await this.reports('/global/spend/teams').teamAliases([
      ...new Set(rows.map((r) => r.team_id)),
    ]);
    const nameOf = (teamId: string) => aliases.get(teamId) ?? teamId;
    const days = new Map<string, Record<string, unknown>>();
    const totals = new Map<string, number>();
    for (const r of rows) {
      const day = days.get(r.date) ?? { date: r.date };
      day[nameOf(r.team_id)] = r.spend;
      days.set(r.date, day);
      totals.set(r.team_id, (totals.get(r.team_id) ?? 0) + r.spend);
    }
    return {
      daily_spend: [...days.values()],
      teams: [...totals.keys()].map(nameOf),
      total_spend_per_team: [...totals]
        .sort((a, b) => b[1] - a[1])
        .map(([teamId, total]) => ({
          team_id: teamId,
          team_alias: nameOf(teamId),
          total_spend: total,
        })),
    };
  }

  /** `GET /global/spend/models`: the models that cost most in the last 30 days. */
  async globalModels(caller: Principal, query: TopQuery): Promise<unknown[]> {
    const rows = top(await this.recent('/global/spend/models', caller, {}, ['model']), query);
    return rows.map((r) => ({ model: r.model, total_spend: r.spend }));
  }

  /** `/global/spend/end_users`: the customers that cost most (last 30 days unless a range is given). */
  async globalEndUsers(caller: Principal, query: EndUsersQuery): Promise<unknown[]> {
    const reports = this.reports('/global/spend/end_users');
    const now = this.deps.now();
    const apiKey = query.api_key === undefined ? undefined : tokenOf(query.api_key);
    const rows = await reports.daily(
      {
        fromDate:
          query.startTime === undefined ? daysBefore(now, RECENT_DAYS) : dayOf(query.startTime),
        toDate: query.endTime === undefined ? undefined : dayOf(query.endTime),
        equals: dailyEquals(visibleTo(caller), { api_key: apiKey }),
      },
      ['end_user'],
    );
    return top(
      rows.filter((r) => r.end_user !== ''),
      { limit: 100 },
    ).map((r) => ({ end_user: r.end_user, total_spend: r.spend, total_count: r.api_requests }));
  }

  /** `GET /global/spend/report`: per day, per team, customer or key over a date range. */
  async report(caller: Principal, query: SpendReportQuery): Promise<unknown[]> {
    const reports = this.reports('/global/spend/report');
    if (query.start_date === undefined || query.end_date === undefined) {
      throw new GatewayError('bad_request', 'Please provide start_date and end_date');
    }
    const days = reportDays(
      reports,
      { start: query.start_date, end: query.end_date, timezone: query.timezone },
      dailyEquals(visibleTo(caller), {
        api_key: query.api_key === undefined ? undefined : tokenOf(query.api_key),
        user_id: query.internal_user_id,
        team_id: query.team_id,
        end_user: query.customer_id,
      }),
    );
    return spendReport(reports, days, query.group_by);
  }

  /**
   * `GET /user/daily/activity`: a user's spend per day with its breakdowns (admins and viewers:
   * any user's, or everyone's; others: their own).
   */
  async userDailyActivity(
    caller: Principal,
    query: UserDailyActivityQuery,
  ): Promise<Record<string, unknown>> {
    const reports = this.reports('/user/daily/activity');
    const range = requiredRange(query);
    const equals = dailyEquals(visibleTo(caller), {
      user_id: query.user_id,
      ...modelAndKey(query),
    });
    return dailyActivity(
      spendActivity(reports),
      { ...range, equals },
      { page: query.page, pageSize: query.page_size },
    );
  }

  /**
   * `GET /team/daily/activity`: the teams' spend per day, broken down by team too (admins and
   * viewers: any teams; others: the teams they are in).
   */
  async teamDailyActivity(
    caller: Principal,
    query: TeamDailyActivityQuery,
  ): Promise<Record<string, unknown>> {
    const reports = this.reports('/team/daily/activity');
    const range = requiredRange(query);
    const asked = commaList(query.team_ids);
    let teamIds = asked;
    if (!readsEverything(caller)) {
      const own = new Set(
        caller.userId === undefined
          ? []
          : (await this.deps.store!.teams.membershipsOf({ userIds: [caller.userId] })).map(
              (m) => m.team_id,
            ),
      );
      const outside = asked?.find((t) => !own.has(t));
      if (outside !== undefined) {
        throw new GatewayError(
          'forbidden',
          `User=${caller.userId ?? 'None'} not authorized to access this team=${outside}`,
        );
      }
      teamIds = asked ?? [...own];
    }
    const equals = dailyEquals(undefined, modelAndKey(query));
    return dailyActivity(
      spendActivity(reports),
      { ...range, equals, oneOf: { team_id: teamIds ?? undefined } },
      {
        page: query.page,
        pageSize: query.page_size,
        entities: {
          column: 'team_id',
          describe: async (ids) =>
            new Map(
              [...(await reports.teamAliases(ids))].map(([id, alias]) => [
                id,
                { team_alias: alias },
              ]),
            ),
        },
      },
    );
  }

  /**
   * `GET /tag/daily/activity`: the request tags' spend per day, broken down by tag, model,
   * provider and key (admins and viewers: tag totals are not kept per user).
   */
  async tagDailyActivity(
    _caller: Principal,
    query: TagDailyActivityQuery,
  ): Promise<Record<string, unknown>> {
    const reports = this.reports('/tag/daily/activity');
    const range = requiredRange(query);
    const tags = commaList(query.tags);
    const equals = dailyEquals(undefined, modelAndKey(query));
    return dailyActivity(
      tagActivity(reports),
      { ...range, equals, oneOf: { tag: tags?.length ? tags : undefined } },
      {
        page: query.page,
        pageSize: query.page_size,
        entities: { column: 'tag', describe: async (ids) => new Map(ids.map((t) => [t, {}])) },
      },
    );
  }

  /** `GET /spend/tags`: spend and calls per request tag. */
  async tags(_caller: Principal, query: DateRangeQuery): Promise<unknown[]> {
    const rows = await this.reports('/spend/tags').tags(
      query.start_date === undefined ? undefined : dayOf(query.start_date),
      query.end_date === undefined ? undefined : dayOf(query.end_date),
    );
    return rows.map((r) => ({
      individual_request_tag: r.tag,
      log_count: r.api_requests,
      total_spend: r.spend,
    }));
  }

  /** `GET /spend/keys`: keys by spend (the caller's own unless it reads everything). */
  async keys(caller: Principal, query: TopQuery): Promise<unknown[]> {
    const reports = this.reports('/spend/keys');
    const visible = visibleTo(caller);
    const at = spendTime(this.deps);
    let rows = await reports.keys(
      query.limit,
      visible && 'userId' in visible ? visible.userId : undefined,
    );
    if (visible && 'apiKey' in visible) rows = rows.filter((r) => r.token === visible.apiKey);
    return rows.map((r) => withCurrentSpend(r, at));
  }

  /** `GET /spend/users`: users by spend; one user with `user_id`; only itself for a non-admin. */
  async users(caller: Principal, query: SpendUsersQuery): Promise<unknown[]> {
    const reports = this.reports('/spend/users');
    const visible = visibleTo(caller);
    const at = spendTime(this.deps);
    if (visible && !('userId' in visible)) return [];
    const own = visible?.userId;
    if (own !== undefined && query.user_id !== undefined && query.user_id !== own) return [];
    const rows = await reports.users(1000, own ?? query.user_id);
    return rows.map((r) => withCurrentSpend(r, at));
  }

  /** `POST /global/spend/reset`: the master key sets every key's and team's spend to 0. */
  async reset(caller: Principal): Promise<Record<string, unknown>> {
    if (!this.deps.store) throw noDatabase('/global/spend/reset');
    if (caller.kind !== 'master_key') {
      throw new GatewayError(
        'forbidden',
        'Only the master key can call /global/spend/reset. Route=/global/spend/reset',
      );
    }
    await this.deps.store.spend.resetKeyAndTeamSpend();
    this.deps.afterReset?.();
    return { message: 'Spend for all API Keys and Teams reset successfully', status: 'success' };
  }

  private reports(route: string): Store['spendReports'] {
    if (!this.deps.store) throw noDatabase(route);
    return this.deps.store.spendReports;
  }

  /** Daily totals of the last 30 days visible to the caller. */
  private recent<D extends DailyDimension>(
    route: string,
    caller: Principal,
    equals: DailyFilter['equals'],
    groupBy: readonly D[],
  ): Promise<DailyGroup<D>[]> {
    return this.reports(route).daily(
      {
        fromDate: daysBefore(this.deps.now(), RECENT_DAYS),
        equals: dailyEquals(visibleTo(caller), equals ?? {}),
      },
      groupBy,
    );
  }
}

function visibleTo(caller: Principal): Visible {
  if (readsEverything(caller)) return undefined;
  if (caller.userId !== undefined) return { userId: caller.userId };
  // A key without a user sees its own spend; a caller with neither sees nothing.
  return { apiKey: caller.keyHash ?? NOBODY };
}

/** The caller's limit wins over what it asked for: asking for another user's spend finds none. */
/** `a, b,,c` → `['a', 'b', 'c']`; undefined when not given. */
function commaList(text: string | undefined): string[] | undefined {
  return text
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The daily reports' `model` and `api_key` filters (a raw key or its hash). */
function modelAndKey(query: {
  model?: string;
  api_key?: string;
}): Partial<Record<DailyDimension, string | undefined>> {
  return {
    model: query.model,
    api_key: query.api_key === undefined ? undefined : tokenOf(query.api_key),
  };
}

function dailyEquals(
  visible: Visible,
  asked: Partial<Record<DailyDimension, string | undefined>>,
): Partial<Record<DailyDimension, string>> {
  const equals: Partial<Record<DailyDimension, string>> = {};
  for (const [column, value] of Object.entries(asked)) {
    if (value !== undefined) equals[column as DailyDimension] = value;
  }
  if (visible && 'userId' in visible) return restrict(equals, 'user_id', visible.userId);
  if (visible) return restrict(equals, 'api_key', visible.apiKey);
  return equals;
}

function restrict(
  equals: Partial<Record<DailyDimension, string>>,
  column: DailyDimension,
  value: string,
): Partial<Record<DailyDimension, string>> {
  const asked = equals[column];
  return { ...equals, [column]: asked === undefined || asked === value ? value : NOBODY };
}

function logFilter(visible: Visible, asked: SpendLogFilter): SpendLogFilter {
  if (!visible) return asked;
  const mismatch = NOBODY;
  if ('userId' in visible) {
    const userId =
      asked.userId === undefined || asked.userId === visible.userId ? visible.userId : mismatch;
    return { ...asked, userId };
  }
  const apiKey =
    asked.apiKey === undefined || asked.apiKey === visible.apiKey ? visible.apiKey : mismatch;
  return { ...asked, apiKey };
}

function logView(row: SpendLogRecord): Record<string, unknown> {
  return { ...LOG_EXTRAS, ...row };
}

function top<R extends { spend: number }>(rows: R[], query: { limit: number }): R[] {
  return [...rows].sort((a, b) => b.spend - a.spend).slice(0, query.limit);
}

/**
 * `/spend/logs` with a date range: one entry per day from start to end (days without calls at
 * 0), with the spend per key hash at the top level and per user and model underneath.
 */
function summarizeByDay(
  rows: readonly DailyGroup<'date' | 'api_key' | 'user_id' | 'model'>[],
  from: string,
  to: string,
): Record<string, unknown>[] {
  const days = new Map<
    string,
    {
      spend: number;
      keys: Map<string, number>;
      users: Record<string, number>;
      models: Record<string, number>;
    }
  >();
  for (const day of daysBetween(from, to)) {
    days.set(day, { spend: 0, keys: new Map(), users: {}, models: {} });
  }
  for (const r of rows) {
    const day = days.get(r.date);
    if (!day) continue;
    day.spend += r.spend;
    if (r.api_key !== '') day.keys.set(r.api_key, (day.keys.get(r.api_key) ?? 0) + r.spend);
    if (r.user_id !== '') day.users[r.user_id] = (day.users[r.user_id] ?? 0) + r.spend;
    day.models[r.model] = (day.models[r.model] ?? 0) + r.spend;
  }
  return [...days].map(([date, day]) => ({
    startTime: date,
    spend: day.spend,
    ...Object.fromEntries(day.keys),
    users: day.users,
    models: day.models,
  }));
}

/** The required date range of the daily activity routes, as UTC days. */
function requiredRange(query: { start_date?: string; end_date?: string }): {
  fromDate: string;
  toDate: string;
} {
  if (query.start_date === undefined || query.end_date === undefined) {
    throw new GatewayError('bad_request', 'Please provide start_date and end_date');
  }
  return { fromDate: dayOf(query.start_date), toDate: dayOf(query.end_date) };
}
