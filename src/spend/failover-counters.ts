/**
 * Cluster mode's policy when Redis does not answer: keep serving, enforce budgets and rate limits
 * with this replica's own counters, and say so loudly, once per outage.
 *
 * - An admission whose Redis call fails or takes longer than `timeoutMs` is decided by the local
 *   store instead, and the store switches to local mode. A budget starts there from the spend
 *   Redis last showed this replica (plus what it settled since), or from the stored spend when
 *   that is higher: the stored spend a replica has cached can be older than the cluster's.
 * - In local mode admissions are local (synchronous) and Redis is tried again by one admission
 *   every `retryIntervalMs`. That admission first adds to Redis the cost this replica settled on
 *   its own meanwhile, so the other replicas count it; the first that succeeds ends the outage
 *   (logged once too). Local spend is then dropped, so the next outage starts again.
 * - A settle goes where its admission was decided. A Redis settle that fails is counted locally
 *   so this replica keeps the cost (and owes it to Redis); the Redis reservation it could not
 *   release ends with its lease.
 *
 * During an outage each replica enforces alone: a budget can be overspent by what other replicas
 * spend meanwhile.
 */
import type { Logger } from 'pino';
import type {
  AdmitOutcome,
  AdmitPlan,
  BudgetLine,
  CounterStore,
  Settlement,
} from './counter-store.js';
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
  private readonly deadlines: Deadlines;
  private readonly retryIntervalMs: number;
  private readonly now: () => number;
  private outage = false;
  private nextTry = 0;
  /** Reservations the local store holds, so their settle goes there. */
  private readonly localReservations = new Set<string>();
  /** Per budget counter: the spend Redis last showed for a window, with this replica's settles since. */
  private readonly lastShared = new Map<string, WindowAmount>();
  /** Per budget counter: cost settled here while Redis was away, to add to Redis when it is back. */
  private readonly owed = new Map<string, WindowAmount>();
  /** Reservations Redis holds for this replica's calls in flight, by reservation id. */
  private readonly sharedInFlight = new Map<string, SharedReservation>();
  /**
   * Those of them the local store also holds since an outage began: local admissions count the
   * money this replica's calls in flight may still spend, and their settle frees it there.
   */
  private readonly adopted = new Set<string>();

  constructor(options: FailoverCounterStoreOptions) {
    this.shared = options.shared;
    this.local = options.local ?? new LocalCounterStore();
    this.logger = options.logger;
    this.deadlines = new Deadlines(options.timeoutMs ?? DEFAULT_FAILOVER_TIMEOUT_MS);
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
    // What this replica owes goes first, the admission right behind it without waiting for the
    // answer: Redis takes them in that order (the Redis store sends them in one call).
    const paid = this.outage ? this.payOwed(plan.now) : undefined;
    const admitted = this.shared.admit(plan);
    const shared = paid ? Promise.all([paid, admitted]).then(([, outcome]) => outcome) : admitted;
    return this.deadlines.race(shared).then(
      (outcome) => {
        if (this.outage) this.recovered();
        if (outcome.status === 'admitted') {
          this.remember(plan.budgets, outcome.spent);
          if (plan.budgets.length > 0) {
            this.sharedInFlight.set(plan.reservationId, {
              keys: plan.budgets.map((line) => line.key),
              reservedCost: outcome.reservedCost,
            });
          }
        }
        return outcome;
      },
      (error: unknown) => {
        this.failed(error);
        this.releaseIfLate(admitted, plan);
        return this.admitLocally(plan);
      },
    );
  }

  /**
   * An admission Redis answered after the timeout may still have reserved money and a slot there,
   * which nothing would settle (the call is decided locally): release them at once rather than
   * hold the budget back until the lease ends.
   */
  private releaseIfLate(attempt: AdmitOutcome | Promise<AdmitOutcome>, plan: AdmitPlan): void {
    Promise.resolve(attempt)
      .then(
        async (outcome) => {
          if (outcome.status !== 'admitted') return;
          await this.shared.settle({
            reservationId: plan.reservationId,
            now: plan.now,
            cost: 0,
            totalTokens: 0,
            reservedCost: outcome.reservedCost,
            budgets: plan.budgets.map((line) => ({
              key: line.key,
              windowEnd: line.windowEnd,
              held: true,
            })),
            rates: plan.rates,
          });
        },
        () => undefined,
      )
      .catch(() => undefined);
  }

  settle(settlement: Settlement): void | Promise<void> {
    if (this.localReservations.delete(settlement.reservationId)) {
      this.owe(settlement);
      return this.local.settle(settlement);
    }
    const id = settlement.reservationId;
    // In flight until Redis has taken the settle: an outage that begins meanwhile must count it.
    // Held locally too when an outage began before it ended: the settle frees that hold.
    const ended = (): boolean => {
      this.sharedInFlight.delete(id);
      return this.adopted.delete(id);
    };
    const attempt = this.shared.settle(settlement);
    return this.deadlines.race(attempt).then(
      () => {
        const heldHere = ended();
        for (const line of settlement.budgets) add(this.lastShared, line, settlement.cost, false);
        // A local counter started earlier (an admission that timed out) keeps counting this
        // replica's spend, so a fallback that goes on from it does not forget these calls.
        this.local.settle({
          ...settlement,
          budgets: settlement.budgets.map((line) => ({ ...line, held: heldHere })),
          rates: [],
        });
      },
      (error: unknown) => {
        this.failed(error);
        const heldHere = ended();
        // Keep the cost and tokens here; only what the outage adopted is held locally.
        this.owe(settlement);
        // A settle that timed out may still reach Redis: then it is owed no more.
        Promise.resolve(attempt).then(
          () => this.unowe(settlement),
          () => undefined,
        );
        this.local.settle({
          ...settlement,
          budgets: settlement.budgets.map((line) => ({ ...line, held: heldHere })),
          rates: settlement.rates.map((line) => ({ ...line, parallel: null })),
        });
      },
    );
  }

  async forget(key: string): Promise<void> {
    // The scope reloads from the database, which has (or is about to have) every cost booked.
    this.lastShared.delete(key);
    this.owed.delete(key);
    this.local.forget(key);
    try {
      await this.deadlines.race(this.shared.forget(key));
    } catch (error: unknown) {
      this.failed(error);
    }
  }

  onRelease(listener: () => void): void {
    this.shared.onRelease(listener);
    this.local.onRelease(listener);
  }

  private admitLocally(plan: AdmitPlan): AdmitOutcome {
    const budgets = plan.budgets.map((line) => {
      const known = this.lastShared.get(line.key);
      return known && known.windowEnd === line.windowEnd && known.amount > line.initialSpend
        ? { ...line, initialSpend: known.amount }
        : line;
    });
    const outcome = this.local.admit({ ...plan, budgets });
    if (outcome.status === 'admitted') this.localReservations.add(plan.reservationId);
    return outcome;
  }

  /** Spend per budget line as Redis reported it at an admission. */
  private remember(lines: readonly BudgetLine[], spent: readonly number[] | undefined): void {
    if (!spent) return;
    lines.forEach((line, i) => {
      const amount = spent[i];
      if (amount === undefined || !Number.isFinite(amount)) return;
      // Spend only grows within a window: an answer computed before one of this replica's
      // settles (and read after it) must not take that settle back.
      const known = this.lastShared.get(line.key);
      if (known && known.windowEnd === line.windowEnd && known.amount >= amount) return;
      this.lastShared.set(line.key, { windowEnd: line.windowEnd, amount });
    });
  }

  private owe(settlement: Settlement): void {
    for (const line of settlement.budgets) {
      add(this.owed, line, settlement.cost, true);
      add(this.lastShared, line, settlement.cost, false);
    }
  }

  private unowe(settlement: Settlement): void {
    for (const line of settlement.budgets) add(this.owed, line, -settlement.cost, false);
  }

  /**
   * Adds what this replica settled alone to Redis, as settles that hold no reservation (a counter
   * whose window Redis no longer holds reloads from the database). All are sent at once; a
   * counter leaves the debt only once Redis took it.
   */
  private payOwed(now: number): Promise<unknown> {
    const payments: Promise<void>[] = [];
    for (const [key, debt] of this.owed) {
      // A window that has ended is reloaded from the database by its next admission.
      if (debt.windowEnd !== null && debt.windowEnd <= now) {
        this.owed.delete(key);
        continue;
      }
      const paid = this.shared.settle({
        reservationId: `owed:${key}`,
        now,
        cost: debt.amount,
        totalTokens: 0,
        reservedCost: 0,
        budgets: [{ key, windowEnd: debt.windowEnd, held: false }],
        rates: [],
      });
      payments.push(
        Promise.resolve(paid).then(() => {
          if (this.owed.get(key) === debt) this.owed.delete(key);
        }),
      );
    }
    return Promise.all(payments);
  }

  private failed(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.nextTry = this.now() + this.retryIntervalMs;
    // Calls admitted by Redis and still running may spend what Redis reserved for them: the
    // local store holds it too, or it would admit that money a second time.
    for (const [id, reservation] of this.sharedInFlight) {
      if (this.adopted.has(id)) continue;
      for (const key of reservation.keys) this.local.hold(key, reservation.reservedCost);
      this.adopted.add(id);
    }
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

/** What Redis reserved for one of this replica's calls, on which budget counters. */
interface SharedReservation {
  keys: readonly string[];
  reservedCost: number;
}

/** An amount of spend in one budget window (`windowEnd`, as in BudgetLine). */
interface WindowAmount {
  windowEnd: number | null;
  amount: number;
}

/**
 * Adds `cost` to the amount of `line.key` for the line's window. Another window starts from the
 * cost when `startNew` is set, and is left alone otherwise (nothing is known of it).
 */
function add(
  amounts: Map<string, WindowAmount>,
  line: { key: string; windowEnd: number | null },
  cost: number,
  startNew: boolean,
): void {
  const held = amounts.get(line.key);
  if (held && held.windowEnd === line.windowEnd) held.amount += cost;
  else if (startNew) amounts.set(line.key, { windowEnd: line.windowEnd, amount: cost });
}

/** An operation waiting for Redis, with the time its answer is due (`performance.now()`). */
interface Pending {
  due: number;
  /**
   * Fails the operation's promise; null once it is done (answered, or failed by its deadline), so
   * the queue does not keep an answered operation's promise alive behind an older one.
   */
  expire: ((error: Error) => void) | null;
}

/**
 * The deadlines of the operations waiting for Redis, in the order they were made. All have the
 * same timeout, so the oldest is the first to expire: one timer, armed for the oldest still
 * waiting, serves them all, where a timer, a `Promise.race` and a `finally` per operation cost
 * more. Redis answers in order too, so the queue holds only the last few milliseconds' operations.
 */
class Deadlines {
  private readonly queue: Pending[] = [];
  /** Index of the oldest operation that may still wait: those before it are done. */
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly timeoutMs: number) {}

  /** `work`'s answer, or an error when it has none `timeoutMs` after this call. */
  race<T>(work: T | Promise<T>): Promise<T> {
    if (!(work instanceof Promise)) return Promise.resolve(work);
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        due: performance.now() + this.timeoutMs,
        expire: reject,
      };
      this.queue.push(pending);
      this.timer ??= setTimeout(this.expireDue, this.timeoutMs);
      work.then(
        (value) => {
          this.finish(pending);
          resolve(value);
        },
        (error: unknown) => {
          this.finish(pending);
          reject(error);
        },
      );
    });
  }

  /** Marks `pending` done; returns its `expire`, or null when it already was done. */
  private finish(pending: Pending): ((error: Error) => void) | null {
    const { expire } = pending;
    if (!expire) return null;
    pending.expire = null;
    const { queue } = this;
    while (this.head < queue.length && !queue[this.head]!.expire) this.head++;
    if (this.head === queue.length) {
      // Nothing waits.
      queue.length = 0;
      this.head = 0;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    } else if (this.head >= 1024) {
      queue.splice(0, this.head);
      this.head = 0;
    }
    return expire;
  }

  private readonly expireDue = (): void => {
    this.timer = null;
    const { queue } = this;
    const now = performance.now();
    const late: Pending[] = [];
    for (; this.head < queue.length; this.head++) {
      const first = queue[this.head]!;
      if (!first.expire) continue;
      if (first.due > now) {
        this.timer = setTimeout(this.expireDue, Math.ceil(first.due - now));
        break;
      }
      late.push(first);
    }
    queue.splice(0, this.head);
    this.head = 0;
    if (late.length === 0) return;
    // A busy event loop runs its expired timers before it reads the sockets: an answer already
    // waiting there gets that turn (setImmediate runs after it) before Redis is called late.
    setImmediate(() => {
      for (const pending of late) {
        this.finish(pending)?.(new Error(`Redis did not answer within ${this.timeoutMs} ms`));
      }
    });
  };
}
