/** Query strings of the spend report routes (LiteLLM's parameter names). */
import { z } from 'zod';
import { isTimeZone } from './spend-zone.js';

/** `YYYY-MM-DD`, or a time (`YYYY-MM-DD HH:MM:SS`, ISO-8601; UTC unless it says otherwise). */
const dateOrTime = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))),
    'expected a date (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM:SS)',
  );
const id = z.string().min(1);
/** Query strings carry booleans as text. */
const flag = z.preprocess(
  (v) => (v === 'false' || v === '0' ? false : v === undefined ? undefined : Boolean(v)),
  z.boolean(),
);

const range = {
  start_date: dateOrTime.optional(),
  end_date: dateOrTime.optional(),
};

/**
 * A Tollgate addition: the IANA zone the days of a report are counted in (days and times
 * without an offset are read in it too). Without it, days are UTC days, as in LiteLLM.
 */
const timezone = z
  .string()
  .refine(isTimeZone, 'expected an IANA time zone, such as Europe/Berlin or UTC')
  .optional();

export const SpendLogsQuerySchema = z.object({
  /** A raw key (hashed first) or its hash. */
  api_key: id.optional(),
  user_id: id.optional(),
  request_id: id.optional(),
  ...range,
  timezone,
  summarize: flag.default(true),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export type SpendLogsQuery = z.infer<typeof SpendLogsQuerySchema>;

export const SpendLogsUiQuerySchema = z.object({
  ...range,
  api_key: id.optional(),
  user_id: id.optional(),
  request_id: id.optional(),
  team_id: id.optional(),
  end_user: id.optional(),
  model: id.optional(),
  status_filter: z.enum(['success', 'failure']).optional(),
  min_spend: z.coerce.number().optional(),
  max_spend: z.coerce.number().optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(50),
});
export type SpendLogsUiQuery = z.infer<typeof SpendLogsUiQuerySchema>;

export const GlobalSpendLogsQuerySchema = z.object({ api_key: id.optional() });
export type GlobalSpendLogsQuery = z.infer<typeof GlobalSpendLogsQuerySchema>;

export const TopQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
export type TopQuery = z.infer<typeof TopQuerySchema>;

/** `/global/spend/end_users`: LiteLLM posts these in a body; a query string works too. */
export const EndUsersQuerySchema = z.object({
  api_key: id.optional(),
  startTime: dateOrTime.optional(),
  endTime: dateOrTime.optional(),
});
export type EndUsersQuery = z.infer<typeof EndUsersQuerySchema>;

export const SpendReportQuerySchema = z.object({
  ...range,
  timezone,
  group_by: z.enum(['team', 'customer', 'api_key']).default('team'),
  api_key: id.optional(),
  internal_user_id: id.optional(),
  team_id: id.optional(),
  customer_id: id.optional(),
});
export type SpendReportQuery = z.infer<typeof SpendReportQuerySchema>;

export const DateRangeQuerySchema = z.object(range);
export type DateRangeQuery = z.infer<typeof DateRangeQuerySchema>;

export const SpendUsersQuerySchema = z.object({ user_id: id.optional() });
export type SpendUsersQuery = z.infer<typeof SpendUsersQuerySchema>;

export const NoInputSchema = z.object({}).loose();

const page = z.coerce.number().int().min(1).default(1);
/** Days per page of the daily activity routes. */
const pageSize = z.coerce.number().int().min(1).max(1000).default(50);

/** `/user/daily/activity`: `start_date` and `end_date` are required (checked by the service). */
export const UserDailyActivityQuerySchema = z.object({
  ...range,
  user_id: id.optional(),
  model: id.optional(),
  api_key: id.optional(),
  page,
  page_size: pageSize,
});
export type UserDailyActivityQuery = z.infer<typeof UserDailyActivityQuerySchema>;

/** `/team/daily/activity`: `team_ids` comma-separated; none = the teams the caller may see. */
export const TeamDailyActivityQuerySchema = z.object({
  ...range,
  team_ids: z.string().optional(),
  model: id.optional(),
  api_key: id.optional(),
  page,
  page_size: pageSize,
});
export type TeamDailyActivityQuery = z.infer<typeof TeamDailyActivityQuerySchema>;

/** `/tag/daily/activity`: `tags` comma-separated; none = every tag. */
export const TagDailyActivityQuerySchema = z.object({
  ...range,
  tags: z.string().optional(),
  model: id.optional(),
  api_key: id.optional(),
  page,
  page_size: pageSize,
});
export type TagDailyActivityQuery = z.infer<typeof TagDailyActivityQuerySchema>;
