/**
 * The spend routes (LiteLLM's `spend_management_endpoints.py`): thin declarations over the
 * SpendService, which decides what each caller may see. Without a database every route answers
 * LiteLLM's "Database not connected" error.
 */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute } from './admin-route.js';
import type { ProviderBudgetView } from '../spend/route-budgets.js';
import type { SpendService } from './spend-service.js';
import {
  DateRangeQuerySchema,
  EndUsersQuerySchema,
  GlobalSpendLogsQuerySchema,
  NoInputSchema,
  SpendLogsQuerySchema,
  SpendLogsUiQuerySchema,
  SpendReportQuerySchema,
  SpendUsersQuerySchema,
  TagDailyActivityQuerySchema,
  TeamDailyActivityQuerySchema,
  TopQuerySchema,
  UserDailyActivityQuerySchema,
} from './spend-schemas.js';

export interface SpendRouteDeps {
  spend: SpendService;
  /** Every provider budget with its spend in the current window (works without a database). */
  providerBudgets: () => Record<string, ProviderBudgetView>;
}

export function registerSpendRoutes(
  app: FastifyInstance,
  { spend, providerBudgets }: SpendRouteDeps,
): void {
  // LiteLLM's `GET /provider/budgets`: `{"providers": {"openai": {budget_limit, time_period,
  // spend, budget_reset_at}}}` for every provider in `provider_budget_config`.
  addAdminRoute(app, {
    method: 'GET',
    url: '/provider/budgets',
    input: NoInputSchema,
    handle: () => Promise.resolve({ providers: providerBudgets() }),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/user/daily/activity',
    input: UserDailyActivityQuerySchema,
    handle: (query, caller) => spend.userDailyActivity(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/team/daily/activity',
    input: TeamDailyActivityQuerySchema,
    handle: (query, caller) => spend.teamDailyActivity(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/tag/daily/activity',
    input: TagDailyActivityQuerySchema,
    handle: (query, caller) => spend.tagDailyActivity(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/spend/logs',
    input: SpendLogsQuerySchema,
    handle: (query, caller) => spend.logs(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/spend/logs/ui',
    input: SpendLogsUiQuerySchema,
    handle: (query, caller) => spend.logsUi(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/spend/keys',
    input: TopQuerySchema,
    handle: (query, caller) => spend.keys(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/spend/users',
    input: SpendUsersQuerySchema,
    handle: (query, caller) => spend.users(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/spend/tags',
    input: DateRangeQuerySchema,
    handle: (query, caller) => spend.tags(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend',
    input: NoInputSchema,
    handle: (_query, caller) => spend.globalSpend(caller),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend/logs',
    input: GlobalSpendLogsQuerySchema,
    handle: (query, caller) => spend.globalLogs(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend/keys',
    input: TopQuerySchema,
    handle: (query, caller) => spend.globalKeys(caller, query),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend/teams',
    input: NoInputSchema,
    handle: (_query, caller) => spend.globalTeams(caller),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend/models',
    input: TopQuerySchema,
    handle: (query, caller) => spend.globalModels(caller, query),
  });
  // LiteLLM takes these as a POST body; a GET with the same query string works too.
  for (const method of ['GET', 'POST'] as const) {
    addAdminRoute(app, {
      method,
      url: '/global/spend/end_users',
      input: EndUsersQuerySchema,
      handle: (input, caller) => spend.globalEndUsers(caller, input),
    });
  }
  addAdminRoute(app, {
    method: 'GET',
    url: '/global/spend/report',
    input: SpendReportQuerySchema,
    handle: (query, caller) => spend.report(caller, query),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/global/spend/reset',
    input: NoInputSchema,
    handle: (_body, caller) => spend.reset(caller),
  });
}
