/**
 * What the gateway keeps of its spend log, from LiteLLM's `general_settings`:
 * `maximum_spend_logs_retention_period` (rows older than it are deleted),
 * `maximum_spend_logs_retention_interval` or `maximum_spend_logs_cleanup_cron` (when the deletion
 * runs), `maximum_daily_tag_spend_retention_period` (the per-tag daily totals), and
 * `SPEND_LOG_RUN_LOOPS` (batches of 1,000 rows one run deletes at most).
 */
import { Cron } from 'croner';
import { durationSeconds, parseDuration, type Duration } from '../util/duration.js';
import type { GeneralSettings } from './schema.js';

/** When and what the retention job deletes; absent when no retention period is set. */
export interface SpendLogRetentionSettings {
  /** Spend log rows that started longer ago than this are deleted. */
  logs?: { period: Duration; text: string };
  /** `daily_tag_spend` rows of days longer ago than this are deleted. */
  dailyTags?: { period: Duration; text: string };
  /** Runs every `intervalMs` (default one day) unless `cron` is set. */
  intervalMs: number;
  /** A cron pattern that takes precedence over the interval. */
  cron?: string;
  /** Batches of `batchSize` rows one run deletes at most (`SPEND_LOG_RUN_LOOPS`, default 500). */
  maxBatches: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_MAX_BATCHES = 500;

export function buildSpendLogRetention(
  general: GeneralSettings,
  env: Record<string, string | undefined>,
  timeZone: string | undefined,
  problems: string[],
): SpendLogRetentionSettings | undefined {
  const logs = period(
    general.maximum_spend_logs_retention_period,
    'maximum_spend_logs_retention_period',
    problems,
  );
  const dailyTags = period(
    general.maximum_daily_tag_spend_retention_period,
    'maximum_daily_tag_spend_retention_period',
    problems,
  );
  const interval = period(
    general.maximum_spend_logs_retention_interval,
    'maximum_spend_logs_retention_interval',
    problems,
  );
  if (interval?.period.unit === 'mo') {
    problems.push(
      'general_settings.maximum_spend_logs_retention_interval: give it in s, m, h, d or w ' +
        '(or use maximum_spend_logs_cleanup_cron for a calendar schedule)',
    );
  }
  const cron = general.maximum_spend_logs_cleanup_cron?.trim();
  if (cron !== undefined) {
    try {
      new Cron(cron, { paused: true, ...(timeZone && { timezone: timeZone }) }).stop();
    } catch (error: unknown) {
      problems.push(
        `general_settings.maximum_spend_logs_cleanup_cron: ${(error as Error).message} (e.g. "0 4 * * *" for 04:00 every day)`,
      );
    }
  }
  const loopsText = env.SPEND_LOG_RUN_LOOPS;
  const maxBatches =
    loopsText === undefined || loopsText.trim() === '' ? DEFAULT_MAX_BATCHES : Number(loopsText);
  if (!Number.isInteger(maxBatches) || maxBatches < 1) {
    problems.push('SPEND_LOG_RUN_LOOPS: must be a whole number of batches, 1 or more');
  }
  if (!logs && !dailyTags) return undefined;
  return {
    ...(logs && { logs }),
    ...(dailyTags && { dailyTags }),
    intervalMs:
      interval && interval.period.unit !== 'mo'
        ? durationSeconds(interval.period, 0) * 1000
        : DAY_MS,
    ...(cron && { cron }),
    maxBatches,
  };
}

/** A positive duration read from `general_settings.<name>`, or a problem saying what to fix. */
function period(
  text: string | undefined,
  name: string,
  problems: string[],
): { period: Duration; text: string } | undefined {
  if (text === undefined) return undefined;
  const where = `general_settings.${name}`;
  let parsed: Duration | null;
  try {
    parsed = parseDuration(text);
  } catch {
    problems.push(
      `${where}: "${text}" is not a duration; write e.g. "30d", "24h", "60m" or "3600s"`,
    );
    return undefined;
  }
  if (parsed === null || parsed.amount <= 0) {
    problems.push(`${where}: must be longer than zero, e.g. "30d"`);
    return undefined;
  }
  return { period: parsed, text };
}
