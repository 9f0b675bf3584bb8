/**
 * Where admission's counters live. Admission turns a request into a plan of budget lines and rate
 * lines; a CounterStore checks and reserves the whole plan in one atomic step, so two requests can
 * never both spend the last dollar. The in-memory store does it in one synchronous call; the Redis
 * store in one Lua script, shared by every replica.
 *
 * A store never refuses with a message: it answers with an outcome, and admission writes the
 * LiteLLM error. A refused plan changes no counter.
 */

/** Length of a rate-limit window: LiteLLM's v3 limiter uses fixed 60 s windows. */
export const RATE_WINDOW_MS = 60_000;

/** Start of the fixed rate window holding `now` (epoch ms). */
export function rateWindowStart(now: number): number {
  return now - (now % RATE_WINDOW_MS);
}

/** One scope with a `max_budget`. */
export interface BudgetLine {
  /** `kind:id` of the scope; the store's name for its counter. */
  key: string;
  /** Epoch ms at which the scope's budget window ends; `null` when it never resets. */
  windowEnd: number | null;
  maxBudget: number;
  /** Spend to start from when the store holds nothing for this window (stored spend + queued). */
  initialSpend: number;
  /**
   * LiteLLM's comparison for this kind: `true` when spend equal to the budget already counts as
   * exceeded (`>=`: key, user, team member), `false` for `>` (team, end user).
   */
  exceededAtEqual: boolean;
}

/** One scope with an rpm, tpm or parallel limit; `null` means no such limit. */
export interface RateLine {
  key: string;
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
}

export interface AdmitPlan {
  /** Names this admission's reservation; unique across replicas and retries. */
  reservationId: string;
  now: number;
  inputCost: number;
  outputCostPerToken: number;
  maxTokens: number;
  budgets: readonly BudgetLine[];
  rates: readonly RateLine[];
}

export type RateLimitType = 'requests' | 'tokens' | 'max_parallel_requests';

/** Use of one rate line after this request was counted. */
export interface RateUse {
  requests: number;
  tokens: number;
}

export type AdmitOutcome =
  | {
      status: 'admitted';
      /** The output cap the reservation pays for: `maxTokens`, or lower when the budget is short. */
      maxTokens: number;
      reservedCost: number;
      /** One entry per rate line, in plan order. */
      rateUse: readonly RateUse[];
      /**
       * Each budget line's spend before this reservation, as the shared store holds it: what a
       * replica falls back to when that store stops answering. Only the Redis store reports it.
       */
      spent?: readonly number[];
    }
  /** A budget line cannot pay the cheapest call even with nothing else reserved. */
  | { status: 'over_budget'; line: number; spent: number }
  | { status: 'rate_limited'; line: number; limitType: RateLimitType }
  /**
   * Only other requests' reservations stand in the way: retry after one of them settles. `line`
   * is the poorest budget line and `spent` its spend, for the refusal if the wait runs out.
   */
  | { status: 'wait'; line: number; spent: number };

/** Everything a store needs to end one admitted request's reservation. */
export interface Settlement {
  reservationId: string;
  now: number;
  cost: number;
  totalTokens: number;
  /** The cost reserved at admission, released from every budget line that holds it. */
  reservedCost: number;
  /**
   * Every scope with a budget, with the window current at settle time. `held` is false when
   * admission reserved nothing there (a call priced at 0): its real cost is still added.
   */
  budgets: readonly SettledBudget[];
  rates: readonly RateLine[];
}

export interface SettledBudget {
  key: string;
  windowEnd: number | null;
  held: boolean;
}

export interface CounterStore {
  admit(plan: AdmitPlan): AdmitOutcome | Promise<AdmitOutcome>;
  /** Never throws for a settlement it already applied; callers settle each admission once. */
  settle(settlement: Settlement): void | Promise<void>;
  /** Drops the held spend of a scope, so the next plan starts from its `initialSpend` again. */
  forget(key: string): void | Promise<void>;
  /** Called after any settle of this store: money or slots may have been freed. */
  onRelease(listener: () => void): void;
}

/** `kind:id`, the name of a scope's counters in every store. */
export function counterKey(kind: string, id: string): string {
  return `${kind}:${id}`;
}

export type BudgetDecision =
  | { status: 'ok'; maxTokens: number; cost: number }
  | { status: 'over'; line: number }
  | { status: 'wait'; line: number };

/**
 * The admission rule on one set of budget figures, shared by the in-memory store (and mirrored
 * line for line by the Lua script): reserve the worst case on every line, else lower the output
 * cap to what the poorest line can pay, else refuse the first line that is out of money on its
 * own, else wait for reservations to settle.
 */
export function decideBudget(
  plan: AdmitPlan,
  spent: readonly number[],
  reserved: readonly number[],
): BudgetDecision {
  const worst = plan.inputCost + plan.maxTokens * plan.outputCostPerToken;
  if (plan.budgets.length === 0) return { status: 'ok', maxTokens: plan.maxTokens, cost: worst };
  const minimum = plan.inputCost + plan.outputCostPerToken;
  let poorest = Infinity;
  let poorestLine = 0;
  for (let i = 0; i < plan.budgets.length; i++) {
    const available = plan.budgets[i]!.maxBudget - spent[i]! - reserved[i]!;
    if (available < poorest) {
      poorest = available;
      poorestLine = i;
    }
  }
  if (poorest >= worst) return { status: 'ok', maxTokens: plan.maxTokens, cost: worst };
  if (poorest >= minimum && plan.outputCostPerToken > 0) {
    let tokens = Math.floor((poorest - plan.inputCost) / plan.outputCostPerToken);
    // Floating point may round the quotient up by one token; the cost must fit.
    while (tokens > 1 && plan.inputCost + tokens * plan.outputCostPerToken > poorest) tokens--;
    return {
      status: 'ok',
      maxTokens: tokens,
      cost: plan.inputCost + tokens * plan.outputCostPerToken,
    };
  }
  for (let i = 0; i < plan.budgets.length; i++) {
    const line = plan.budgets[i]!;
    if (isExhausted(line, spent[i]!, minimum)) return { status: 'over', line: i };
  }
  return { status: 'wait', line: poorestLine };
}

/**
 * Out of money on its own: LiteLLM's own test (`spend >= max` or `spend > max` by kind), or too
 * little left to pay even one output token. `max_budget: 0` is exhausted from the start.
 */
export function isExhausted(line: BudgetLine, spent: number, minimum: number): boolean {
  if (line.exceededAtEqual ? spent >= line.maxBudget : spent > line.maxBudget) return true;
  return line.maxBudget - spent < minimum;
}
