/**
 * Admission counters in Redis, shared by every replica, through one Lua script (redis-scripts.ts),
 * so budgets, reservations and rate windows are exact across the cluster. Keys carry a prefix and
 * expire: a budget when its window ends (or after an idle time when it never resets), a rate
 * window a little after its minute. Every reservation and in-flight slot has a lease: if the
 * replica holding it dies, it expires and frees its money and slot.
 *
 * One script call per admission, sent at once. The end of a call (its settle) waits up to
 * `settleDelayMs` for the next admission and rides in the same call, ahead of it; the settles of
 * those milliseconds that found no admission go together in one call. Operations reach Redis in
 * the order they were made, so on one replica a settle is always applied before any admission
 * made after it; other replicas see it at most `settleDelayMs` (and the trip to Redis) later.
 *
 * All keys of one script call go to one script, so on Redis Cluster they must share a slot: give
 * the prefix a hash tag (`{tollgate}:`).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  RATE_WINDOW_MS,
  rateWindowStart,
  type AdmitOutcome,
  type AdmitPlan,
  type CounterStore,
  type RateLimitType,
  type RateUse,
  type Settlement,
} from './counter-store.js';
import { COUNTERS_SCRIPT } from './redis-scripts.js';

export interface RedisCounterStoreOptions {
  redis: Redis;
  /** Prefix of every key; default `tollgate:`. */
  prefix?: string;
  /** How long a reservation or parallel slot lives without its settle; default 10 minutes. */
  leaseMs?: number;
  /** Life of the spend of a budget that never resets, after its last use; default 1 day. */
  idleTtlMs?: number;
  /** Longest a settle waits for an admission to ride with; default 5 ms, 0 sends it at once. */
  settleDelayMs?: number;
}

export const DEFAULT_LEASE_MS = 10 * 60_000;
export const DEFAULT_IDLE_TTL_MS = 24 * 3_600_000;
export const DEFAULT_SETTLE_DELAY_MS = 5;
/** Operations in one script call at most, so that one call stays short for Redis. */
const MAX_BATCH = 64;

const LIMIT_TYPES: Record<number, RateLimitType> = {
  1: 'requests',
  2: 'tokens',
  3: 'max_parallel_requests',
};

const SCRIPT_SOURCE = COUNTERS_SCRIPT;
const SCRIPT_SHA = createHash('sha1').update(COUNTERS_SCRIPT).digest('hex');

/** The operations of one script call, added until it is sent, and its answer. */
class Batch {
  /** One letter per operation (`a`, `s`, `f`: see redis-scripts.ts), in order. */
  ops = '';
  readonly keys: string[] = [];
  /** The operations' arguments, sent joined by spaces (redis-scripts.ts, "Layout"). */
  readonly args: (string | number)[] = [];
  /** Whether a settle is in it: its answer may free money or slots. */
  releases = false;
  resolve!: (replies: unknown[]) => void;
  reject!: (error: unknown) => void;
  /** One reply per operation, once Redis answered the call. */
  readonly replies = new Promise<unknown[]>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

function ignore(): void {}

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly idleTtlMs: number;
  private readonly settleDelayMs: number;
  private readonly listeners: (() => void)[] = [];
  /** The next script call, filled until it is sent. */
  private current = new Batch();
  /** The last call sent, so `flush` can wait for it. */
  private last: Batch | null = null;
  /** Script calls sent and not answered yet. */
  private inFlight = 0;
  /** An admission or forget waits in `current` for the call in flight to be answered. */
  private urgent = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: RedisCounterStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'tollgate:';
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.idleTtlMs = options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.settleDelayMs = options.settleDelayMs ?? DEFAULT_SETTLE_DELAY_MS;
  }

  async admit(plan: AdmitPlan): Promise<AdmitOutcome> {
    const batch = this.current;
    const { keys, args } = batch;
    const now = plan.now;
    args.push(
      plan.reservationId,
      now,
      this.leaseMs,
      plan.inputCost,
      plan.outputCostPerToken,
      plan.maxTokens,
      plan.budgets.length,
      plan.rates.length,
      this.rateTtl(now),
    );
    for (const line of plan.budgets) {
      const hash = this.budgetKey(line.key);
      keys.push(hash, this.leaseKey(line.key));
      args.push(
        windowName(line.windowEnd),
        line.maxBudget,
        line.initialSpend,
        line.exceededAtEqual ? 1 : 0,
        this.budgetTtl(line.windowEnd, now),
      );
    }
    const windowStart = rateWindowStart(now);
    for (const line of plan.rates) {
      keys.push(
        this.rateKey('rq', line.key, windowStart),
        this.rateKey('tk', line.key, windowStart),
        this.inFlightKey(line.key),
      );
      args.push(line.rpm ?? -1, line.tpm ?? -1, line.parallel ?? -1);
    }
    const index = batch.ops.length;
    batch.ops += 'a';
    this.sendSoon();
    const replies = await batch.replies;
    return readAdmitReply(
      replies[index] as (number | string)[],
      plan.rates.length,
      plan.budgets.length,
    );
  }

  settle(settlement: Settlement): Promise<void> {
    const batch = this.current;
    const { keys, args } = batch;
    const now = settlement.now;
    args.push(
      settlement.reservationId,
      settlement.cost,
      settlement.totalTokens,
      settlement.budgets.length,
      settlement.rates.length,
      this.rateTtl(now),
    );
    for (const line of settlement.budgets) {
      keys.push(this.budgetKey(line.key), this.leaseKey(line.key));
      args.push(windowName(line.windowEnd), line.held ? 1 : 0, this.budgetTtl(line.windowEnd, now));
    }
    const windowStart = rateWindowStart(now);
    for (const line of settlement.rates) {
      keys.push(this.rateKey('tk', line.key, windowStart), this.inFlightKey(line.key));
      args.push(line.tpm !== null ? 1 : 0, line.parallel !== null ? 1 : 0);
    }
    batch.ops += 's';
    if (!batch.releases) {
      batch.releases = true;
      batch.replies.then(this.released, this.released);
    }
    const done = batch.replies.then(ignore);
    if (batch.ops.length >= MAX_BATCH || this.settleDelayMs <= 0) this.sendSoon();
    // Unref'd: held settles never keep a process alive; closeRedis sends them before quitting.
    else this.timer ??= setTimeout(this.sendHeld, this.settleDelayMs).unref();
    return done;
  }

  /** Drops the held spend, after every settle made before it (they could add to it again). */
  forget(key: string): Promise<void> {
    const batch = this.current;
    batch.keys.push(this.budgetKey(key));
    batch.ops += 'f';
    this.sendSoon();
    return batch.replies.then(ignore);
  }

  onRelease(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Sends what is held back and waits for Redis to answer it: before closing the connection. */
  async flush(): Promise<void> {
    const batch = this.current.ops !== '' ? this.current : this.last;
    if (batch === this.current) this.sendSoon();
    await batch?.replies.catch(ignore);
  }

  /**
   * Loads the script into Redis ahead of the first request. Optional (a missing script is sent
   * whole once), but it keeps the first calls in the order they were sent.
   */
  async loadScripts(): Promise<void> {
    await this.redis.script('LOAD', SCRIPT_SOURCE);
  }

  private readonly released = (): void => {
    for (const listener of this.listeners) listener();
  };

  private readonly sendHeld = (): void => {
    this.timer = null;
    if (this.current.ops !== '') this.sendSoon();
  };

  /**
   * Sends `current` now, or, while a call is in flight, as soon as it is answered: what comes
   * meanwhile goes in one call (unless it is full).
   */
  private sendSoon(): void {
    if (this.inFlight === 0 || this.current.ops.length >= MAX_BATCH) this.send();
    else this.urgent = true;
  }

  private send(): void {
    const batch = this.current;
    this.current = new Batch();
    this.last = batch;
    this.urgent = false;
    this.inFlight++;
    this.run(batch.keys, [batch.ops, batch.args.join(' ')]).then(
      (replies) => {
        this.answered();
        batch.resolve(replies);
      },
      (error: unknown) => {
        this.answered();
        batch.reject(error);
      },
    );
  }

  private answered(): void {
    this.inFlight--;
    if (this.urgent && this.inFlight === 0) this.send();
  }

  /** EVALSHA, and EVAL once when Redis does not hold the script yet (first use, restart). */
  private async run(keys: string[], args: string[]): Promise<unknown[]> {
    try {
      return (await this.redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args)) as unknown[];
    } catch (error: unknown) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(SCRIPT_SOURCE, keys.length, ...keys, ...args)) as unknown[];
    }
  }

  private budgetKey(key: string): string {
    return `${this.prefix}b:${key}`;
  }

  private leaseKey(key: string): string {
    return `${this.prefix}bl:${key}`;
  }

  private inFlightKey(key: string): string {
    return `${this.prefix}pl:${key}`;
  }

  private rateKey(kind: 'rq' | 'tk', key: string, windowStart: number): string {
    return `${this.prefix}${kind}:${key}:${windowStart}`;
  }

  /** A budget's hash lives to its window's end (or its idle time), and past every lease on it. */
  private budgetTtl(windowEnd: number | null, now: number): number {
    const life = windowEnd === null ? this.idleTtlMs : Math.max(0, windowEnd - now);
    return Math.ceil(life + this.leaseMs);
  }

  /** A rate counter outlives its minute a little, for replicas whose clocks lag. */
  private rateTtl(now: number): number {
    return rateWindowStart(now) + 2 * RATE_WINDOW_MS - now;
  }
}

function windowName(windowEnd: number | null): string {
  return windowEnd === null ? 'none' : String(windowEnd);
}

function readAdmitReply(
  reply: (number | string)[],
  rateLines: number,
  budgetLines: number,
): AdmitOutcome {
  const [status, first, second] = reply;
  switch (status) {
    case 1: {
      const rateUse: RateUse[] = [];
      for (let j = 0; j < rateLines; j++) {
        rateUse.push({ requests: Number(reply[3 + 2 * j]), tokens: Number(reply[4 + 2 * j]) });
      }
      const spent: number[] = [];
      for (let i = 0; i < budgetLines; i++) spent.push(Number(reply[3 + 2 * rateLines + i]));
      return {
        status: 'admitted',
        maxTokens: Number(first),
        reservedCost: Number(second),
        rateUse,
        spent,
      };
    }
    case 2:
      return { status: 'over_budget', line: Number(first), spent: Number(second) };
    case 3:
      return {
        status: 'rate_limited',
        line: Number(first),
        limitType: LIMIT_TYPES[Number(second)] ?? 'requests',
      };
    default:
      return { status: 'wait', line: Number(first), spent: Number(second) };
  }
}
