/**
 * Builds the money path for the composition root: counters in memory on one replica, or in
 * Redis with local failover in cluster mode; admission over them; the meter that prices and
 * books. Also the invalidation that makes admission forget a scope an admin changed.
 */
import type { RouteBudgets } from './route-budgets.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CustomerInvalidation } from '../admin/customer-service.js';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import { beforeClose } from '../cluster/redis-connection.js';
import type { MoneySettings } from '../config/gateway-config.js';
import type { LoadedCustomer } from '../store/customer-repository.js';
import type { LoadedTag } from '../store/tag-repository.js';
import { CounterAdmission, type OverBudget } from './admission.js';
import type { BudgetCalendar } from './budget-calendar.js';
import type { CounterStore } from './counter-store.js';
import { FailoverCounterStore } from './failover-counters.js';
import { LocalCounterStore } from './local-counters.js';
import { Meter } from './meter.js';
import { RedisCounterStore } from './redis-counters.js';
import { promptTokenUpperBound } from './token-count.js';
import type { TagInvalidation } from './stored-tags.js';
import type { Admission, Pricing, SpendLedger } from './types.js';

export interface MeterParts {
  settings: MoneySettings;
  /** Told of every refusal for a spent budget (budget alerts). */
  onOverBudget?: (refusal: OverBudget) => void;
  /** When budget windows end: the same calendar the ledger and the admin API use. */
  calendar: BudgetCalendar;
  pricing: Pricing;
  ledger?: SpendLedger;
  /** Cluster mode: the shared Redis and the prefix of every key the gateway writes there. */
  redis?: { client: Redis; keyPrefix: string };
  customer?: (userId: string) => LoadedCustomer | null | undefined;
  /** The tags stored with `/tag/new` (src/spend/stored-tags.ts). */
  tags?: { readonly active: boolean; get(name: string): LoadedTag | undefined };
  /** `store_prompts_in_spend_logs`. */
  storePrompts?: boolean;
  /** Provider and deployment budgets, which every booked cost counts toward. */
  routeBudgets?: RouteBudgets;
  logger: Logger;
  now: () => number;
}

export interface BuiltMeter {
  meter: Meter;
  admission: Admission;
}

export function createMeter(parts: MeterParts): BuiltMeter {
  const { ledger, logger, now } = parts;
  const local = new LocalCounterStore();
  let store: CounterStore = local;
  if (parts.redis) {
    const shared = new RedisCounterStore({
      redis: parts.redis.client,
      prefix: `${parts.redis.keyPrefix}counters:`,
    });
    // Settles held back for a few milliseconds reach Redis before the connection closes.
    beforeClose(parts.redis.client, () => shared.flush());
    store = new FailoverCounterStore({ shared, local, logger, now });
  }
  const admission = new CounterAdmission({
    store,
    ledgerPending: ledger && ((scopeKey) => ledger.pendingFor(scopeKey)),
    ledgerWrittenSince: ledger && ((written, scopeKey) => ledger.writtenSince(written, scopeKey)),
    now,
    logger,
    budgetExceededStatus: parts.settings.budgetExceededStatus,
    maxWaitMs: parts.settings.budgetWaitMs,
    budgetCalendar: parts.calendar,
    onOverBudget: parts.onOverBudget,
  });
  const meter = new Meter({
    pricing: parts.pricing,
    admission,
    ledger,
    customer: parts.customer,
    tags: parts.tags,
    maxEndUserBudget: parts.settings.maxEndUserBudget,
    promptTokenBound: (body) => promptTokenUpperBound(body),
    calendar: parts.calendar,
    now,
    storePrompts: parts.storePrompts,
    routeBudgets: parts.routeBudgets,
  });
  return { meter, admission };
}

/**
 * Auth invalidations that also make admission reload the scope's budget from the store: an
 * admin who resets a key's spend or raises its budget is obeyed on the next request.
 */
export function forgettingAuth(inner: AuthInvalidation, admission: Admission): AuthInvalidation {
  return {
    keyChanged(token) {
      inner.keyChanged(token);
      admission.forget('key', token);
    },
    userChanged(userId) {
      inner.userChanged(userId);
      admission.forget('user', userId);
    },
    teamChanged(teamId) {
      inner.teamChanged(teamId);
      admission.forget('team', teamId);
    },
  };
}

/** Tag invalidations that also make admission reload the tags' budgets. */
export function forgettingTags(inner: TagInvalidation, admission: Admission): TagInvalidation {
  return {
    tagsChanged(names) {
      for (const name of names ?? []) admission.forget('tag', name);
      return inner.tagsChanged(names);
    },
  };
}

/** Customer invalidations that also make admission reload the customer's budget. */
export function forgettingCustomers<T extends CustomerInvalidation>(
  inner: T,
  admission: Admission,
): T {
  return Object.assign(Object.create(inner) as T, {
    customerChanged(userId: string) {
      inner.customerChanged(userId);
      admission.forget('customer', userId);
    },
  });
}
