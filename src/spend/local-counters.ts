/**
 * Admission counters in this process's memory: the default of a single replica, and the fallback
 * of cluster mode while Redis is away. `admit` is one synchronous pass over plain objects (no
 * promise, no timer), so the request path pays a few microseconds for it.
 *
 * Reservations last until their request settles; the process holding them is the one that settles
 * them, so nothing outlives a crash here (a restart starts from the stored spend).
 */
import {
  decideBudget,
  rateWindowStart,
  type AdmitOutcome,
  type AdmitPlan,
  type CounterStore,
  type RateLine,
  type RateUse,
  type Settlement,
} from './counter-store.js';

interface BudgetCounter {
  /** The window `spent` belongs to; `undefined` until loaded (or after `forget`). */
  windowEnd: number | null | undefined;
  spent: number;
  reserved: number;
  /** Reservations held: at zero `reserved` is set back to exactly 0, so rounding never piles up. */
  holders: number;
}

interface RateCounter {
  windowStart: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

export class LocalCounterStore implements CounterStore {
  private readonly budgets = new Map<string, BudgetCounter>();
  private readonly rates = new Map<string, RateCounter>();
  private readonly listeners: (() => void)[] = [];

  admit(plan: AdmitPlan): AdmitOutcome {
    const budgetCounters = plan.budgets.map((line) => this.budgetCounter(line.key));
    const spent = plan.budgets.map((line, i) => {
      const counter = budgetCounters[i]!;
      if (counter.windowEnd !== line.windowEnd) {
        counter.windowEnd = line.windowEnd;
        counter.spent = line.initialSpend;
      }
      return counter.spent;
    });
    const decision = decideBudget(
      plan,
      spent,
      budgetCounters.map((c) => c.reserved),
    );
    if (decision.status === 'over') {
      return { status: 'over_budget', line: decision.line, spent: spent[decision.line]! };
    }
    const windowStart = rateWindowStart(plan.now);
    const rateCounters = plan.rates.map((line) => this.rateCounter(line.key, windowStart));
    const limited = firstLimited(plan.rates, rateCounters);
    if (limited) return limited;
    if (decision.status === 'wait') {
      return { status: 'wait', line: decision.line, spent: spent[decision.line]! };
    }

    const reserve = plan.budgets.length > 0 ? decision.cost : 0;
    for (const counter of budgetCounters) {
      counter.reserved += reserve;
      counter.holders++;
    }
    const rateUse: RateUse[] = rateCounters.map((counter, i) => {
      const line = plan.rates[i]!;
      if (line.rpm !== null) counter.requests++;
      if (line.parallel !== null) counter.inFlight++;
      return { requests: counter.requests, tokens: counter.tokens };
    });
    return { status: 'admitted', maxTokens: decision.maxTokens, reservedCost: reserve, rateUse };
  }

  settle(settlement: Settlement): void {
    for (const line of settlement.budgets) {
      const counter = this.budgets.get(line.key);
      if (!counter) continue;
      if (line.held && counter.holders > 0) {
        counter.holders--;
        counter.reserved = counter.holders === 0 ? 0 : counter.reserved - settlement.reservedCost;
      }
      // A window that ended meanwhile is reloaded from the store by the next request, which
      // then sees this cost through the ledger; only a current window takes it here.
      if (counter.windowEnd === line.windowEnd) counter.spent += settlement.cost;
      else counter.windowEnd = undefined;
    }
    const windowStart = rateWindowStart(settlement.now);
    for (const line of settlement.rates) {
      const counter = this.rateCounter(line.key, windowStart);
      if (line.tpm !== null) counter.tokens += settlement.totalTokens;
      if (line.parallel !== null && counter.inFlight > 0) counter.inFlight--;
    }
    for (const listener of this.listeners) listener();
  }

  forget(key: string): void {
    const counter = this.budgets.get(key);
    if (counter) counter.windowEnd = undefined;
  }

  /**
   * Holds `amount` of a budget counter for a reservation made elsewhere (by Redis, before an
   * outage), so admissions decided here count it until its settle (with `held: true`) frees it.
   */
  hold(key: string, amount: number): void {
    const counter = this.budgetCounter(key);
    counter.reserved += amount;
    counter.holders++;
  }

  /** Drops every held spend (reservations stay): each scope reloads on its next request. */
  forgetAll(): void {
    for (const counter of this.budgets.values()) counter.windowEnd = undefined;
  }

  onRelease(listener: () => void): void {
    this.listeners.push(listener);
  }

  private budgetCounter(key: string): BudgetCounter {
    let counter = this.budgets.get(key);
    if (!counter) {
      counter = { windowEnd: undefined, spent: 0, reserved: 0, holders: 0 };
      this.budgets.set(key, counter);
    }
    return counter;
  }

  private rateCounter(key: string, windowStart: number): RateCounter {
    let counter = this.rates.get(key);
    if (!counter) {
      counter = { windowStart, requests: 0, tokens: 0, inFlight: 0 };
      this.rates.set(key, counter);
    } else if (counter.windowStart !== windowStart) {
      counter.windowStart = windowStart;
      counter.requests = 0;
      counter.tokens = 0;
    }
    return counter;
  }
}

function firstLimited(
  lines: readonly RateLine[],
  counters: readonly RateCounter[],
): AdmitOutcome | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const counter = counters[i]!;
    if (line.rpm !== null && counter.requests >= line.rpm) {
      return { status: 'rate_limited', line: i, limitType: 'requests' };
    }
    if (line.tpm !== null && counter.tokens >= line.tpm) {
      return { status: 'rate_limited', line: i, limitType: 'tokens' };
    }
    if (line.parallel !== null && counter.inFlight >= line.parallel) {
      return { status: 'rate_limited', line: i, limitType: 'max_parallel_requests' };
    }
  }
  return null;
}
