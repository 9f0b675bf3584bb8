/**
 * Cluster mode's policy when Redis does not answer: keep serving, enforce budgets and rate limits
 * with this replica's own counters, and say so loudly, once per outage.
 *
 * - An admission whose Redis call fails or takes longer than `timeoutMs` is decided by the local
 *   store instead, and the store switches to local mode.
 * - In local mode admissions are local (synchronous) and Redis is tried again by one admission
 *   every `retryIntervalMs`; the first that succeeds ends the outage (logged once too). Local
 *   spend is then dropped, so the next outage starts again from the stored spend.
 * - A settle goes where its admission was decided. A Redis settle that fails is counted locally
 *   so this replica keeps the cost; the Redis reservation it could not release ends with its lease.
 *
 * During an outage each replica enforces alone: a budget can be overspent by what other replicas
 * spend meanwhile and have not written to the database yet.
 */
import type { Logger } from 'pino';
import type { AdmitOutcome, AdmitPlan, CounterStore, Settlement } from './counter-store.js';
import { LocalCounterStore } from './local-counters.js';

export interface FailoverCounterStoreOptions {
  /** The shared store (a RedisCounterStore). */
  shared: CounterStore;
  local?: LocalCounterStore;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** How long an admission waits for Redis before deciding locally; default 500 ms. */
  timeoutMs?: number;
  /** In local mode, how often one admission tries Redis again; default 1 s. */
  retryIntervalMs?: number;
  now?: () => number;
}

export const DEFAULT_FAILOVER_TIMEOUT_MS = 500;
export const DEFAULT_FAILOVER_RETRY_MS = 1_000;

export class FailoverCounterStore implements CounterStore {
  private readonly shared: CounterStore;
  private readonly local: LocalCounterStore;
  private readonly logger: Pick<Logger, 'error' | 'warn'>;
  private readonly timeoutMs: number;
  private readonly retryIntervalMs: number;
  private readonly now: () => number;
  private outage = false;
  private nextTry = 0;
  /** Reservations the local store holds, so their settle goes there. */
  private readonly localReservations = new Set<string>();

  constructor(options: FailoverCounterStoreOptions) {
    this.shared = options.shared;
    this.local = options.local ?? new LocalCounterStore();
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FAILOVER_TIMEOUT_MS;
    this.retryIntervalMs = options.retryIntervalMs ?? DEFAULT_FAILOVER_RETRY_MS;
    this.now = options.now ?? Date.now;
  }

  /** True while admissions are decided by this replica alone. */
  get isLocal(): boolean {
    return this.outage;
  }

  admit(plan: AdmitPlan): AdmitOutcome | Promise<AdmitOutcome> {
    if (this.outage) {
      if (this.now() < this.nextTry) return this.admitLocally(plan);
      this.nextTry = this.now() + this.retryIntervalMs;
    }
    return withTimeout(this.shared.admit(plan), this.timeoutMs).then(
      (outcome) => {
        if (this.outage) this.recovered();
        return outcome;
      },
      (error: unknown) => {
        this.failed(error);
        return this.admitLocally(plan);
      },
    );
  }

  settle(settlement: Settlement): void | Promise<void> {
    if (this.localReservations.delete(settlement.reservationId)) {
      return this.local.settle(settlement);
    }
    return withTimeout(this.shared.settle(settlement), this.timeoutMs).catch((error: unknown) => {
      this.failed(error);
      // Keep the cost and tokens here; nothing of this request is held locally.
      this.local.settle({
        ...settlement,
        budgets: settlement.budgets.map((line) => ({ ...line, held: false })),
        rates: settlement.rates.map((line) => ({ ...line, parallel: null })),
      });
    });
  }

  async forget(key: string): Promise<void> {
    this.local.forget(key);
    try {
      await withTimeout(this.shared.forget(key), this.timeoutMs);
    } catch (error: unknown) {
      this.failed(error);
    }
  }

  onRelease(listener: () => void): void {
    this.shared.onRelease(listener);
    this.local.onRelease(listener);
  }

  private admitLocally(plan: AdmitPlan): AdmitOutcome {
    const outcome = this.local.admit(plan);
    if (outcome.status === 'admitted') this.localReservations.add(plan.reservationId);
    return outcome;
  }

  private failed(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.nextTry = this.now() + this.retryIntervalMs;
    this.logger.error(
      { err: error },
      'Redis is not answering: budgets and rate limits are now enforced by each replica on its own, until Redis is back',
    );
  }

  private recovered(): void {
    this.outage = false;
    this.local.forgetAll();
    this.logger.warn(
      'Redis answers again: budgets and rate limits are shared by all replicas again',
    );
  }
}

function withTimeout<T>(work: T | Promise<T>, timeoutMs: number): Promise<T> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
