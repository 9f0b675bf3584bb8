/**
 * Budgets that routing keeps to (LiteLLM's budget routing): a provider's, from
 * `router_settings.provider_budget_config`, and a deployment's own, from `litellm_params.max_budget`
 * and `budget_duration`. They are filters, not scopes a call is charged to: a deployment whose
 * budget or whose provider's budget is spent is skipped, and the router sends the call to another
 * deployment of the group; when none is left, the call is refused with LiteLLM's 429
 * `No deployments available - crossed budget for provider: ...`, and the group's fallbacks apply.
 *
 * Windows lie on fixed boundaries: whole durations since 1970-01-01 UTC (a `1d` budget is a UTC
 * day, `1mo` a calendar month), or the calendar boundaries of `litellm_settings.timezone`. Every
 * replica and every restart computes the same window, with nothing stored to agree on.
 *
 * Spend: every booked call adds its cost here at once, and to `route_budget_spend` in the
 * transaction of its spend-log row (exactly once, like every total). The gateway reads that table
 * when it starts; in cluster mode it reads it again every second for the other replicas' spend.
 * A line's spend is then what the table held at the last read, what this replica had booked but
 * not yet written at that moment, and what it booked since.
 *
 * A deployment is skipped once a budget's spend has reached it, as in LiteLLM: calls already on
 * their way when that happens are still paid for, so a budget can be passed by the cost of the
 * calls in flight at that moment (keys, users and teams, whose budgets reserve before each call,
 * are never passed; see docs/spend.md).
 */
import type { Deployment, RouteBudget } from '../contracts/deployment.js';
import { pythonFloat } from '../util/python-float.js';
import { BudgetCalendar } from './budget-calendar.js';
import { counterKey } from './counter-store.js';

export type RouteBudgetKind = 'provider' | 'deployment';

/** A row of `route_budget_spend`: a budget's spend in the window ending `budget_reset_at`. */
export interface RouteSpendRow {
  kind: RouteBudgetKind;
  id: string;
  spend: number;
  /** ISO end of the window the spend is in; `''` for a budget that never resets. */
  budget_reset_at: string;
}

/** Where a booked cost goes in `route_budget_spend`: a budget and its window (ISO end or `''`). */
export interface RouteSpendTarget {
  kind: RouteBudgetKind;
  id: string;
  budgetResetAt: string;
}

/** What `GET /provider/budgets` shows of one provider's budget (LiteLLM's fields). */
export interface ProviderBudgetView {
  budget_limit: number;
  time_period: string | null;
  spend: number;
  budget_reset_at: string | null;
}

/** Windows start from here: whole durations after it (or calendar boundaries in a time zone). */
const EPOCH = '1970-01-01T00:00:00.000Z';

interface Line {
  kind: RouteBudgetKind;
  id: string;
  /** `kind:id`: its name for the ledger's not-yet-written spend. */
  key: string;
  budget: RouteBudget;
  /** Epoch ms at which the current window ends; `null` when the budget never resets. */
  windowEnd: number | null;
  /** Spend in the table at the last read, for the current window. */
  stored: number;
  /** What this replica booked that the read did not see: not written yet, or written after it. */
  unwritten: number;
  /** Booked here since that read. */
  booked: number;
}

export interface RouteBudgetsOptions {
  providers?: ReadonlyMap<string, RouteBudget>;
  calendar?: BudgetCalendar;
  now?: () => number;
  /** Cost the spend ledger holds for a `kind:id` but has not written (SpendLedger.pendingFor). */
  pending?: (key: string) => number;
  /** Cost it wrote for a `kind:id` after its first `written` batches (SpendLedger.writtenSince). */
  writtenSince?: (written: number, key: string) => number;
}

export class RouteBudgets {
  private readonly providers: ReadonlyMap<string, RouteBudget>;
  private readonly calendar: BudgetCalendar;
  private readonly now: () => number;
  private readonly pending: (key: string) => number;
  private readonly writtenSince: (written: number, key: string) => number;
  private readonly lines = new Map<string, Line>();
  /** Rows of the last read of the table, applied to lines made after it. */
  private rows = new Map<string, RouteSpendRow>();
  /** Spend batches the ledger had committed when those rows were read. */
  private rowsWritten = 0;

  constructor(options: RouteBudgetsOptions = {}) {
    this.providers = options.providers ?? new Map();
    this.calendar = options.calendar ?? BudgetCalendar.UNALIGNED;
    this.now = options.now ?? Date.now;
    this.pending = options.pending ?? (() => 0);
    this.writtenSince = options.writtenSince ?? (() => 0);
  }

  /** Whether any deployment of `deployments` has a budget of its own or of its provider. */
  governs(deployments: readonly Deployment[]): boolean {
    for (const d of deployments) {
      if (d.budget !== undefined || this.providers.has(d.provider)) return true;
    }
    return false;
  }

  /**
   * The deployments whose budgets have money left, and for those skipped, why (LiteLLM's
   * `Exceeded budget for ...` lines). The same array when no budget applies to any of them.
   */
  filter(deployments: readonly Deployment[]): {
    kept: readonly Deployment[];
    crossed: string[];
  } {
    if (!this.governs(deployments)) return { kept: deployments, crossed: [] };
    const now = this.now();
    const kept: Deployment[] = [];
    const crossed: string[] = [];
    for (const d of deployments) {
      const why = this.crossedBy(d, now);
      if (why === undefined) kept.push(d);
      else crossed.push(why);
    }
    return { kept, crossed };
  }

  /** Adds a booked call's cost to its deployment's budgets; where it goes in the table. */
  book(d: Deployment, cost: number, at: number): RouteSpendTarget[] | undefined {
    if (d.budget === undefined && !this.providers.has(d.provider)) return undefined;
    let targets: RouteSpendTarget[] | undefined;
    for (const line of this.linesOf(d, at)) {
      if (cost > 0) line.booked += cost;
      (targets ??= []).push({
        kind: line.kind,
        id: line.id,
        budgetResetAt: line.windowEnd === null ? '' : new Date(line.windowEnd).toISOString(),
      });
    }
    return targets;
  }

  /**
   * The table as just read (at start, and every second in cluster mode): the spend of every
   * budget's current window, all replicas' written spend in it. `written`: the spend batches
   * this replica's ledger had committed when the read began (SpendLedger.readStored).
   */
  load(rows: readonly RouteSpendRow[], written = 0): void {
    this.rows = new Map(rows.map((row) => [counterKey(row.kind, row.id), row]));
    this.rowsWritten = written;
    for (const line of this.lines.values()) this.applyRow(line);
  }

  /** Every provider budget with its current spend and window, for `GET /provider/budgets`. */
  providerView(): Record<string, ProviderBudgetView> {
    const now = this.now();
    const view: Record<string, ProviderBudgetView> = {};
    for (const [provider, budget] of this.providers) {
      const line = this.line('provider', provider, budget, now);
      view[provider] = {
        budget_limit: budget.maxBudget,
        time_period: budget.duration,
        spend: spentOf(line),
        budget_reset_at: line.windowEnd === null ? null : new Date(line.windowEnd).toISOString(),
      };
    }
    return view;
  }

  /** Spend of a provider's budget in its current window; 0 when it has none. */
  providerSpend(provider: string): number {
    const budget = this.providers.get(provider);
    return budget ? spentOf(this.line('provider', provider, budget, this.now())) : 0;
  }

  private crossedBy(d: Deployment, now: number): string | undefined {
    for (const line of this.linesOf(d, now)) {
      const spent = spentOf(line);
      if (spent < line.budget.maxBudget) continue;
      const figures = `${pythonFloat(spent)} >= ${pythonFloat(line.budget.maxBudget)}`;
      return line.kind === 'provider'
        ? `Exceeded budget for provider ${line.id}: ${figures}`
        : `Exceeded budget for deployment model_name: ${d.modelName}, litellm_params.model: ${d.provider}/${d.model}, model_id: ${d.id}: ${figures}`;
    }
    return undefined;
  }

  private linesOf(d: Deployment, now: number): Line[] {
    const lines: Line[] = [];
    const provider = this.providers.get(d.provider);
    if (provider) lines.push(this.line('provider', d.provider, provider, now));
    if (d.budget) lines.push(this.line('deployment', d.id, d.budget, now));
    return lines;
  }

  /** The line of a budget, in the window holding `now`. */
  private line(kind: RouteBudgetKind, id: string, budget: RouteBudget, now: number): Line {
    const key = counterKey(kind, id);
    let line = this.lines.get(key);
    if (line !== undefined && line.budget.duration !== budget.duration) {
      // /model/update changed the duration: the spend carries over only into the same window.
      const windowEnd = this.windowEnd(budget, now);
      if (windowEnd !== line.windowEnd) line = undefined;
    }
    if (line === undefined) {
      line = {
        kind,
        id,
        key,
        budget,
        windowEnd: this.windowEnd(budget, now),
        stored: 0,
        unwritten: 0,
        booked: 0,
      };
      this.lines.set(key, line);
      this.applyRow(line);
    } else if (line.windowEnd !== null && now >= line.windowEnd) {
      line.windowEnd = this.windowEnd(budget, now);
      line.stored = 0;
      line.unwritten = 0;
      line.booked = 0;
    }
    // A deployment's budget changed by /model/update keeps its window's spend.
    line.budget = budget;
    return line;
  }

  private applyRow(line: Line): void {
    const row = this.rows.get(line.key);
    const window = line.windowEnd === null ? '' : new Date(line.windowEnd).toISOString();
    line.stored = row !== undefined && row.budget_reset_at === window ? row.spend : 0;
    line.unwritten = this.pending(line.key) + this.writtenSince(this.rowsWritten, line.key);
    line.booked = 0;
  }

  private windowEnd(budget: RouteBudget, now: number): number | null {
    return budget.duration === null
      ? null
      : this.calendar.window(EPOCH, budget.duration, now).resetAt;
  }
}

function spentOf(line: Line): number {
  return line.stored + line.unwritten + line.booked;
}
