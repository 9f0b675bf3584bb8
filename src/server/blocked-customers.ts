/**
 * Refuses LLM requests made for a blocked customer (its `user` field, a customer header...), with
 * LiteLLM's message. The
 * answer per customer is cached (blocked or not, including "no such customer") for a short time,
 * so a warm request does a map lookup; the customer API drops an entry the moment it changes one,
 * and the time limit bounds how long another replica may serve a stale answer.
 */
import type { CustomerInvalidation } from '../admin/customer-service.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { CustomerRepository, LoadedCustomer } from '../store/customer-repository.js';
import type { RequestCheck } from './request-checks.js';

export interface BlockedCustomersOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  /** The stored customer (with its shared budget), or null when none exists; its budget and
   * limits are admitted too. */
  record: LoadedCustomer | null;
  expiresAt: number;
}

export class BlockedCustomers implements CustomerInvalidation {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly customers: Pick<CustomerRepository, 'findWithBudget'>,
    options: BlockedCustomersOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether the customer is blocked; `undefined` when the answer is not cached. */
  cached(userId: string): boolean | undefined {
    const record = this.cachedRecord(userId);
    return record === undefined ? undefined : (record?.blocked ?? false);
  }

  /** The customer as last read (null: no such customer); `undefined` when not cached. */
  cachedRecord(userId: string): LoadedCustomer | null | undefined {
    const entry = this.entries.get(userId);
    // An expired entry is kept (until read again or evicted): the last answer while the
    // database cannot be read.
    if (entry === undefined || entry.expiresAt <= this.now()) return undefined;
    return entry.record;
  }

  /**
   * Reads the customer when its answer is not cached. While the database cannot be read, a
   * customer this gateway has read before keeps its last answer, for its blocking and its budget,
   * for another cache period before the database is tried again; only one never read fails the
   * call.
   */
  async isBlocked(userId: string): Promise<boolean> {
    const cached = this.cached(userId);
    if (cached !== undefined) return cached;
    let found: LoadedCustomer | undefined;
    try {
      found = await this.customers.findWithBudget(userId);
    } catch (error: unknown) {
      const stale = this.entries.get(userId);
      if (stale === undefined) throw error;
      stale.expiresAt = this.now() + this.ttlMs;
      return stale.record?.blocked ?? false;
    }
    const record = found ?? null;
    const blocked = record?.blocked ?? false;
    // Set anew so that the map's order stays the order of reads (oldest first, evicted first).
    this.entries.delete(userId);
    this.entries.set(userId, { record, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return blocked;
  }

  customerChanged(userId: string): void {
    this.entries.delete(userId);
  }

  /** Forgets every answer (changes may have been missed while Redis was unreachable). */
  clear(): void {
    this.entries.clear();
  }
}

export function blockedCustomerError(userId: string): GatewayError {
  return new GatewayError('bad_request', `User blocked from making LLM API Calls. User=${userId}`);
}

/**
 * Checks the customer of every request to an LLM route (run it after the attribution check,
 * which finds it). Requests that name none pay nothing but a property read.
 */
export function blockedCustomerCheck(customers: BlockedCustomers): RequestCheck {
  return (request) => {
    if (request.routeOptions.config.access !== 'llm') return;
    const user = request.attribution?.customerId;
    if (user === undefined) return;
    const cached = customers.cached(user);
    if (cached !== undefined) {
      if (cached) throw blockedCustomerError(user);
      return;
    }
    return customers.isBlocked(user).then(
      (blocked) => {
        if (blocked) throw blockedCustomerError(user);
      },
      (error: unknown) => {
        throw new GatewayError(
          'service_unavailable',
          'Service Unavailable, the database is temporarily unreachable. Please retry shortly.',
          { cause: error },
        );
      },
    );
  };
}
