/**
 * Spend log retention (`general_settings.maximum_spend_logs_retention_period`): a background job
 * that deletes the spend log rows that started longer ago than the period, in batches with a
 * pause between them, so that neither the database nor (on SQLite, which writes on the event
 * loop's thread) the requests wait long for it. The totals of keys, users, teams and the daily
 * aggregates the reports read are not touched: only the per-call rows go.
 *
 * It runs every `intervalMs` (the first run a minute after start, so a gateway restarted more
 * often than the interval still deletes), or on a cron schedule. In cluster mode one replica at
 * a time runs it: a Redis lock taken for the run, skipped by the others; when Redis cannot be
 * asked the run goes ahead, as deleting rows that are already gone deletes nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { SpendLogRetentionSettings } from '../config/spend-log-settings.js';
import { subtractDuration } from '../util/duration.js';

export interface RetentionStore {
  deleteLogsBefore(cutoff: string, limit: number): Promise<number>;
  /** The kept requests and answers of those calls (`store_prompts_in_spend_logs`). */
  deletePayloadsBefore?(cutoff: string, limit: number): Promise<number>;
  deleteDailyTagSpendBefore(date: string): Promise<number>;
}

/** A lock held for one run; `undefined` when another replica holds it. */
export type RetentionLock = (ttlMs: number) => Promise<(() => Promise<void>) | undefined>;

export interface RetentionDeps {
  store: RetentionStore;
  settings: SpendLogRetentionSettings;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The clock cutoffs are taken from (tests replace it). */
  now?: () => number;
  lock?: RetentionLock;
  /** The IANA zone a cron pattern is read in (`litellm_settings.timezone`); local time if unset. */
  timeZone?: string;
  /** Rows of a batch, the unit of `maxBatches`; 1,000 by default, as LiteLLM's. */
  batchSize?: number;
  /**
   * Rows per DELETE statement; `batchSize` by default. Smaller on SQLite, where a DELETE holds up
   * the requests on the event loop's thread while it runs (1,000 rows: 3-16 ms; 250: ~2 ms).
   */
  deleteSize?: number;
  /** Pause between two batches; 50 ms by default. */
  pauseMs?: number;
  /** Wait before the first run of an interval schedule; one minute by default. */
  firstRunDelayMs?: number;
}

export interface RetentionRun {
  /** False when another replica held the lock, or the job was stopped before it began. */
  ran: boolean;
  logsDeleted: number;
  dailyTagRowsDeleted: number;
  /** True when the run stopped at its batch limit with rows older than the cutoff left. */
  more: boolean;
}

/** How long a run's lock is held at most, should the replica holding it die. */
const LOCK_TTL_MS = 15 * 60_000;

export class SpendLogRetention {
  private readonly now: () => number;
  private readonly batchSize: number;
  private readonly deleteSize: number;
  private readonly pauseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private cron: Cron | undefined;
  private nextAt: number | undefined;
  private running: Promise<RetentionRun> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? Date.now;
    this.batchSize = deps.batchSize ?? 1000;
    this.deleteSize = deps.deleteSize ?? this.batchSize;
    this.pauseMs = deps.pauseMs ?? 50;
  }

  /** Schedules the runs: on the cron pattern, or every interval from a minute after start. */
  start(): void {
    const { settings } = this.deps;
    if (settings.cron) {
      this.cron = new Cron(
        settings.cron,
        { ...(this.deps.timeZone && { timezone: this.deps.timeZone }), protect: true, unref: true },
        () => this.runInBackground(),
      );
      return;
    }
    const schedule = (delay: number) => {
      this.nextAt = Date.now() + delay;
      this.timer = setTimeout(() => {
        this.runInBackground();
        schedule(settings.intervalMs);
      }, delay);
      this.timer.unref();
    };
    schedule(Math.min(this.deps.firstRunDelayMs ?? 60_000, settings.intervalMs));
  }

  /** When the next run is due (epoch ms), for the start-up log. */
  nextRunAt(): number | undefined {
    if (this.cron) return this.cron.nextRun()?.getTime();
    return this.nextAt;
  }

  /** Stops the schedule and a run in progress (after its current batch). */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    this.cron?.stop();
    await this.running?.catch(() => undefined);
  }

  /** Runs now unless a run is in progress here (then resolves to that one). */
  run(): Promise<RetentionRun> {
    this.running ??= this.runOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private runInBackground(): void {
    if (this.running) return;
    this.run().catch((error: unknown) => {
      this.deps.logger.error(
        { err: error },
        'spend log retention: the run failed; the next run tries again',
      );
    });
  }

  private async runOnce(): Promise<RetentionRun> {
    const result: RetentionRun = {
      ran: false,
      logsDeleted: 0,
      dailyTagRowsDeleted: 0,
      more: false,
    };
    if (this.stopping.signal.aborted) return result;
    const release = await this.takeLock();
    if (release === null) return result;
    result.ran = true;
    try {
      const { logs, dailyTags, maxBatches } = this.deps.settings;
      const now = this.now();
      if (logs) {
        const cutoff = new Date(subtractDuration(now, logs.period)).toISOString();
        const limit = maxBatches * this.batchSize;
        for (;;) {
          if (result.logsDeleted >= limit) {
            result.more = true;
            break;
          }
          const size = Math.min(this.deleteSize, limit - result.logsDeleted);
          const deleted = await this.deps.store.deleteLogsBefore(cutoff, size);
          result.logsDeleted += deleted;
          if (deleted < size || this.stopping.signal.aborted) break;
          await sleep(this.pauseMs, undefined, { signal: this.stopping.signal }).catch(() => {});
        }
        // Their requests and answers go with them, by the same cutoff.
        for (let batch = 0; batch < maxBatches && !this.stopping.signal.aborted; batch++) {
          const deleted =
            (await this.deps.store.deletePayloadsBefore?.(cutoff, this.deleteSize)) ?? 0;
          if (deleted < this.deleteSize) break;
          await sleep(this.pauseMs, undefined, { signal: this.stopping.signal }).catch(() => {});
        }
        if (result.logsDeleted > 0 || result.more) {
          this.deps.logger.info(
            { deleted: result.logsDeleted, before: cutoff, retention: logs.text },
            result.more
              ? `spend log retention: deleted ${result.logsDeleted} rows (this run's limit); the next run goes on`
              : `spend log retention: deleted ${result.logsDeleted} rows older than ${logs.text}`,
          );
        }
      }
      if (dailyTags && !this.stopping.signal.aborted) {
        const before = new Date(subtractDuration(now, dailyTags.period)).toISOString().slice(0, 10);
        result.dailyTagRowsDeleted = await this.deps.store.deleteDailyTagSpendBefore(before);
        if (result.dailyTagRowsDeleted > 0) {
          this.deps.logger.info(
            { deleted: result.dailyTagRowsDeleted, before, retention: dailyTags.text },
            `spend log retention: deleted ${result.dailyTagRowsDeleted} daily tag totals older than ${dailyTags.text}`,
          );
        }
      }
      return result;
    } finally {
      await release?.().catch(() => undefined);
    }
  }

  /**
   * The lock's release, `undefined` when there is no lock to take (one replica, or Redis did not
   * answer), `null` when another replica holds it.
   */
  private async takeLock(): Promise<(() => Promise<void>) | undefined | null> {
    const { lock } = this.deps;
    if (!lock) return undefined;
    try {
      return (await lock(LOCK_TTL_MS)) ?? null;
    } catch (error: unknown) {
      this.deps.logger.warn(
        { err: error },
        'spend log retention: could not take the cluster lock; running without it',
      );
      return undefined;
    }
  }
}
