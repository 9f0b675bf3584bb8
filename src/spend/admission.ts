/**
 * Budgets and rate limits of every scope of a request, checked and reserved in one atomic step of
 * a CounterStore. A request reserves its worst-case cost on every budget; when the poorest one
 * cannot pay that, the output cap is lowered to what it can pay; when a budget cannot pay even one
 * token on its own, the request is refused with LiteLLM's message; when only other requests'
 * reservations stand in the way, it waits for one of them to settle instead of being refused for
 * money that may come back.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/gateway-error.js';
import { BudgetCalendar } from './budget-calendar.js';
import {
  counterKey,
  type AdmitOutcome,
  type AdmitPlan,
  type BudgetLine,
  type CounterStore,
  type RateLine,
  type RateUse,
  type SettledBudget,
} from './counter-store.js';
import { budgetExceeded, rateLimited, type BudgetExceededStatus } from './refusals.js';
import type { Admission, AdmissionRequest, Admitted, Scope, ScopeKind } from './types.js';

export interface CounterAdmissionOptions {
  store: CounterStore;
  /** Cost the spend ledger holds but has not written for a scope key (`SpendLedger.pendingFor`). */
  ledgerPending?: (scopeKey: string) => number;
  /** Cost it wrote for a scope key after its first `written` batches (`SpendLedger.writtenSince`). */
  ledgerWrittenSince?: (written: number, scopeKey: string) => number;
  now?: () => number;
  /** Status of budget refusals: 429 (default, newer LiteLLM) or 400 (older LiteLLM). */
  budgetExceededStatus?: BudgetExceededStatus;
  /** Longest wait for other requests' reservations to settle before refusing; default 60 s. */
  maxWaitMs?: number;
  /** While waiting, how often to look again without a local settle (other replicas, leases). */
  retryIntervalMs?: number;
  logger?: Pick<Logger, 'error'>;
  /** When budget windows end (`litellm_settings.timezone`); unaligned by default. */
  budgetCalendar?: BudgetCalendar;
  /** Told of every refusal for a spent budget (for alerts), with the request's scopes. */
  onOverBudget?: (refusal: OverBudget) => void;
}

/** A call refused because a budget is spent. */
export interface OverBudget {
  scope: Scope;
  /** Spend of the scope's current window. */
  spent: number;
  /** Epoch ms at which that window ends; null for a budget that never resets. */
  windowEnd: number | null;
}

export const DEFAULT_MAX_WAIT_MS = 60_000;
export const DEFAULT_RETRY_INTERVAL_MS = 100;

/** Kinds whose LiteLLM check is `spend > max_budget`; the others refuse at `spend >= max_budget`. */
const STRICTLY_ABOVE = new Set<ScopeKind>(['team', 'customer']);

/** A plan and the scopes behind its lines, to name the one that refuses. */
interface ScopedPlan extends AdmitPlan {
  budgetScopes: Scope[];
  rateScopes: Scope[];
}

export class CounterAdmission implements Admission {
  private readonly store: CounterStore;
  private readonly ledgerPending: (scopeKey: string) => number;
  private readonly ledgerWrittenSince: (written: number, scopeKey: string) => number;
  private readonly now: () => number;
  private readonly budgetStatus: BudgetExceededStatus;
  private readonly maxWaitMs: number;
  private readonly retryIntervalMs: number;
  private readonly logger: Pick<Logger, 'error'> | undefined;
  private readonly calendar: BudgetCalendar;
  private readonly onOverBudget: ((refusal: OverBudget) => void) | undefined;
  private readonly waiters = new Set<() => void>();
  /** Reservation ids: this instance's random tag and a sequence, unique across replicas. */
  private readonly tag = `${randomBytes(6).toString('base64url')}.`;
  private reservations = 0;

  constructor(options: CounterAdmissionOptions) {
    this.store = options.store;
    this.ledgerPending = options.ledgerPending ?? (() => 0);
    this.ledgerWrittenSince = options.ledgerWrittenSince ?? (() => 0);
    this.now = options.now ?? Date.now;
    this.budgetStatus = options.budgetExceededStatus ?? 429;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.retryIntervalMs = options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
    this.logger = options.logger;
    this.calendar = options.budgetCalendar ?? BudgetCalendar.UNALIGNED;
    this.onOverBudget = options.onOverBudget;
    this.store.onRelease(() => {
      for (const wake of this.waiters) wake();
    });
  }

  admit(request: AdmissionRequest): Admitted | Promise<Admitted> {
    const plan = this.planFor(request, this.now());
    if (plan.budgets.length === 0 && plan.rates.length === 0) {
      return this.admitted(request, plan, {
        maxTokens: request.maxTokens,
        reservedCost: 0,
        rateUse: [],
      });
    }
    const outcome = this.store.admit(plan);
    if (outcome instanceof Promise) return outcome.then((o) => this.conclude(request, plan, o));
    return this.conclude(request, plan, outcome);
  }

  forget(kind: ScopeKind, id: string): void {
    const done = this.store.forget(counterKey(kind, id));
    if (done instanceof Promise) done.catch((error: unknown) => this.logFailure('forget', error));
  }

  private planFor(request: AdmissionRequest, now: number): ScopedPlan {
    const free = request.inputCost === 0 && request.outputCostPerToken === 0;
    const budgets: BudgetLine[] = [];
    const budgetScopes: Scope[] = [];
    const rates: RateLine[] = [];
    const rateScopes: Scope[] = [];
    for (const scope of request.scopes) {
      if (!free && scope.maxBudget != null) {
        budgets.push(this.budgetLine(scope, now));
        budgetScopes.push(scope);
      }
      const rpm = scope.rpmLimit ?? null;
      const tpm = scope.tpmLimit ?? null;
      const parallel = scope.maxParallelRequests ?? null;
      if (rpm !== null || tpm !== null || parallel !== null) {
        rates.push({ key: scope.key, rpm, tpm, parallel });
        rateScopes.push(scope);
      }
    }
    return {
      reservationId: `${this.tag}${++this.reservations}`,
      now,
      inputCost: request.inputCost,
      outputCostPerToken: request.outputCostPerToken,
      maxTokens: request.maxTokens,
      budgets,
      rates,
      budgetScopes,
      rateScopes,
    };
  }

  private budgetLine(scope: Scope, now: number): BudgetLine {
    const window = this.calendar.window(scope.budgetResetAt, scope.budgetDuration, now);
    // What a counter starts from when it has none: the stored spend, what the ledger wrote after
    // that was read, and what it has not written yet. Each booked call counted once.
    const stored = window.rolled
      ? 0
      : scope.storedWritten === undefined
        ? scope.spend
        : scope.spend + this.ledgerWrittenSince(scope.storedWritten, scope.key);
    return {
      key: scope.key,
      windowEnd: window.resetAt,
      maxBudget: scope.maxBudget ?? 0,
      initialSpend: stored + this.ledgerPending(scope.key),
      exceededAtEqual: !STRICTLY_ABOVE.has(scope.kind),
    };
  }

  private conclude(
    request: AdmissionRequest,
    plan: ScopedPlan,
    outcome: AdmitOutcome,
  ): Admitted | Promise<Admitted> {
    switch (outcome.status) {
      case 'admitted':
        return this.admitted(request, plan, outcome);
      case 'over_budget': {
        const scope = plan.budgetScopes[outcome.line]!;
        if (this.onOverBudget) {
          const window = this.calendar.window(scope.budgetResetAt, scope.budgetDuration, plan.now);
          this.onOverBudget({
            scope,
            spent: outcome.spent,
            windowEnd: window.resetAt,
          });
        }
        throw budgetExceeded(scope, outcome.spent, this.budgetStatus);
      }
      case 'rate_limited':
        throw rateLimited(plan.rateScopes[outcome.line]!, outcome.limitType, plan.now);
      case 'wait':
        return this.waitThenRetry(request);
    }
  }

  /**
   * Waits for a settle (here, or on another replica: looked at every `retryIntervalMs`), then
   * tries again, until admitted, refused, aborted or out of time.
   */
  private async waitThenRetry(request: AdmissionRequest): Promise<Admitted> {
    const signal = request.abortSignal?.();
    let timedOut = false;
    let signaled = false;
    let resume: (() => void) | null = null;
    const wake = (): void => {
      signaled = true;
      const next = resume;
      resume = null;
      next?.();
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      wake();
    }, this.maxWaitMs);
    const poll = setInterval(wake, this.retryIntervalMs);
    signal?.addEventListener('abort', wake);
    this.waiters.add(wake);
    try {
      for (;;) {
        if (!signaled) await new Promise<void>((resolve) => (resume = resolve));
        signaled = false;
        if (signal?.aborted) throw abortedWhileWaiting(signal);
        const plan = this.planFor(request, this.now());
        const outcome = await this.store.admit(plan);
        if (outcome.status !== 'wait') return await this.conclude(request, plan, outcome);
        if (timedOut) {
          const scope = plan.budgetScopes[outcome.line]!;
          throw budgetExceeded(scope, outcome.spent, this.budgetStatus);
        }
      }
    } finally {
      clearTimeout(deadline);
      clearInterval(poll);
      signal?.removeEventListener('abort', wake);
      this.waiters.delete(wake);
    }
  }

  private admitted(
    request: AdmissionRequest,
    plan: ScopedPlan,
    outcome: Omit<Extract<AdmitOutcome, { status: 'admitted' }>, 'status'>,
  ): Admitted {
    let settled = false;
    const admitted: Admitted = {
      headers: rateHeaders(plan.rates, outcome.rateUse, plan.rateScopes),
      settle: (cost, totalTokens) => {
        if (settled) return;
        settled = true;
        this.settle(request, plan, outcome.reservedCost, { cost, totalTokens });
      },
    };
    if (outcome.maxTokens < request.maxTokens) admitted.loweredMaxTokens = outcome.maxTokens;
    return admitted;
  }

  private settle(
    request: AdmissionRequest,
    plan: ScopedPlan,
    reservedCost: number,
    used: { cost: number; totalTokens: number },
  ): void {
    const now = this.now();
    const held = new Set(plan.budgetScopes);
    const budgets: SettledBudget[] = [];
    for (const scope of request.scopes) {
      if (scope.maxBudget == null) continue;
      const window = this.calendar.window(scope.budgetResetAt, scope.budgetDuration, now);
      budgets.push({
        key: scope.key,
        windowEnd: window.resetAt,
        held: held.has(scope),
      });
    }
    // Nothing held and nothing to count: a call without limits, or a free one without budgets.
    if (budgets.length === 0 && plan.rates.length === 0) return;
    const done = this.store.settle({
      reservationId: plan.reservationId,
      now,
      cost: used.cost,
      totalTokens: used.totalTokens,
      reservedCost,
      budgets,
      rates: plan.rates,
    });
    if (done instanceof Promise) done.catch((error: unknown) => this.logFailure('settle', error));
  }

  private logFailure(step: string, error: unknown): void {
    this.logger?.error({ err: error }, `admission: ${step} failed`);
  }
}

/**
 * The remaining requests and tokens of the tightest scope that limits each, and of each
 * per-model limit under LiteLLM's `x-litellm-key-remaining-{requests,tokens}-<model>`.
 */
function rateHeaders(
  lines: readonly RateLine[],
  uses: readonly RateUse[],
  scopes: readonly Scope[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  let requestsLeft = Infinity;
  let tokensLeft = Infinity;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const use = uses[i]!;
    const model = scopes[i]!.model;
    if (model !== undefined && HEADER_NAME_PART.test(model)) {
      if (line.rpm !== null) {
        headers[`x-litellm-key-remaining-requests-${model}`] = String(
          Math.max(0, line.rpm - use.requests),
        );
      }
      if (line.tpm !== null) {
        headers[`x-litellm-key-remaining-tokens-${model}`] = String(
          Math.max(0, line.tpm - use.tokens),
        );
      }
    }
    if (line.rpm !== null && line.rpm - use.requests < requestsLeft) {
      requestsLeft = Math.max(0, line.rpm - use.requests);
      headers['x-ratelimit-remaining-requests'] = String(requestsLeft);
      headers['x-ratelimit-limit-requests'] = String(line.rpm);
    }
    if (line.tpm !== null && line.tpm - use.tokens < tokensLeft) {
      tokensLeft = Math.max(0, line.tpm - use.tokens);
      headers['x-ratelimit-remaining-tokens'] = String(tokensLeft);
      headers['x-ratelimit-limit-tokens'] = String(line.tpm);
    }
  }
  return headers;
}

/** A model name that can be part of a header name (an HTTP token: no `/`, space or colon). */
const HEADER_NAME_PART = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function abortedWhileWaiting(signal: AbortSignal): GatewayError {
  return new GatewayError(
    'timeout',
    'Request cancelled while waiting for budget held by requests in flight',
    { cause: signal.reason },
  );
}
