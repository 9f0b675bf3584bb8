/**
 * Admission counters in Redis, shared by every replica: one Lua script per admission and one per
 * settle (see redis-scripts.ts), so budgets, reservations and rate windows are exact across the
 * cluster. Keys carry a prefix and expire: a budget when its window ends (or after an idle time
 * when it never resets), a rate window a little after its minute. Every reservation and in-flight
 * slot has a lease: if the replica holding it dies, it expires and frees its money and slot.
 *
 * All keys of one admission go to one script, so on Redis Cluster they must share a slot: give
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
import { ADMIT_SCRIPT, SETTLE_SCRIPT } from './redis-scripts.js';

export interface RedisCounterStoreOptions {
  redis: Redis;
  /** Prefix of every key; default `tollgate:`. */
  prefix?: string;
  /** How long a reservation or parallel slot lives without its settle; default 10 minutes. */
  leaseMs?: number;
  /** Life of the spend of a budget that never resets, after its last use; default 1 day. */
  idleTtlMs?: number;
}

export const DEFAULT_LEASE_MS = 10 * 60_000;
export const DEFAULT_IDLE_TTL_MS = 24 * 3_600_000;

const LIMIT_TYPES: Record<number, RateLimitType> = {
  1: 'requests',
  2: 'tokens',
  3: 'max_parallel_requests',
};

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const ADMIT = script(ADMIT_SCRIPT);
const SETTLE = script(SETTLE_SCRIPT);

export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly idleTtlMs: number;
  private readonly listeners: (() => void)[] = [];

  constructor(options: RedisCounterStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'tollgate:';
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.idleTtlMs = options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS;
  }

  async admit(plan: AdmitPlan): Promise<AdmitOutcome> {
    const keys: string[] = [];
    const args: (string | number)[] = [
      plan.reservationId,
      plan.now,
      this.leaseMs,
      plan.inputCost,
      plan.outputCostPerToken,
      plan.maxTokens,
      plan.budgets.length,
      plan.rates.length,
      this.rateTtl(plan.now),
    ];
    for (const line of plan.budgets) {
      keys.push(this.budgetKey(line.key), this.leaseKey(line.key));
      args.push(
        windowName(line.windowEnd),
        line.maxBudget,
        line.initialSpend,
        line.exceededAtEqual ? 1 : 0,
        this.budgetTtl(line.windowEnd, plan.now),
      );
    }
    const windowStart = rateWindowStart(plan.now);
    for (const line of plan.rates) {
      keys.push(
        this.rateKey('rq', line.key, windowStart),
        this.rateKey('tk', line.key, windowStart),
        this.inFlightKey(line.key),
      );
      args.push(line.rpm ?? -1, line.tpm ?? -1, line.parallel ?? -1);
    }
    const reply = (await this.run(ADMIT, keys, args)) as (number | string)[];
    return readAdmitReply(reply, plan.rates.length, plan.budgets.length);
  }

  async settle(settlement: Settlement): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [
      settlement.reservationId,
      settlement.cost,
      settlement.totalTokens,
      settlement.budgets.length,
      settlement.rates.length,
      this.rateTtl(settlement.now),
    ];
    for (const line of settlement.budgets) {
      keys.push(this.budgetKey(line.key), this.leaseKey(line.key));
      args.push(
        windowName(line.windowEnd),
        line.held ? 1 : 0,
        this.budgetTtl(line.windowEnd, settlement.now),
      );
    }
    const windowStart = rateWindowStart(settlement.now);
    for (const line of settlement.rates) {
      keys.push(this.rateKey('tk', line.key, windowStart), this.inFlightKey(line.key));
      args.push(line.tpm !== null ? 1 : 0, line.parallel !== null ? 1 : 0);
    }
    try {
      await this.run(SETTLE, keys, args);
    } finally {
      for (const listener of this.listeners) listener();
    }
  }

  async forget(key: string): Promise<void> {
    await this.redis.hdel(this.budgetKey(key), 'w', 's');
  }

  onRelease(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Loads both scripts into Redis ahead of the first request. Optional (a missing script is sent
   * whole once), but it keeps a settle and the admission after it in the order they were sent.
   */
  async loadScripts(): Promise<void> {
    await this.redis.script('LOAD', ADMIT.source);
    await this.redis.script('LOAD', SETTLE.source);
  }

  /** EVALSHA, and EVAL once when Redis does not hold the script yet (first use, restart). */
  private async run(target: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(target.sha, keys.length, ...keys, ...args);
    } catch (error: unknown) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.redis.eval(target.source, keys.length, ...keys, ...args);
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
