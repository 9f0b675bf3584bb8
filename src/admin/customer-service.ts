/**
 * The /customer/* operations (LiteLLM's customer_endpoints): the end users that requests name in
 * their `user` field, with a budget, limits and a blocked flag. The request path's customer cache
 * is told of each change at once.
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import {
  newCustomer,
  type CustomerPatch,
  type CustomerRecord,
} from '../store/customer-repository.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { pythonList } from '../util/python-list.js';
import { readsEverything } from './caller-scope.js';
import { spendTime, withCurrentSpend, type SpendTime } from './current-spend.js';
import type {
  CustomerFields,
  CustomerIdsInput,
  NewCustomerInput,
  UpdateCustomerInput,
} from './customer-schemas.js';
import { budgetNotFound } from './budget-service.js';
import { budgetResetAt } from './key-settings.js';
import { checkBudget } from './new-user.js';

/** Tells the request path that a customer changed. */
export interface CustomerInvalidation {
  customerChanged(userId: string): void;
}

export interface CustomerServiceDeps {
  store: Pick<Store, 'customers' | 'budgets' | 'auditedBy'>;
  invalidation: CustomerInvalidation;
  /** The model names the gateway serves, for `default_model`. */
  modelNames: () => readonly string[];
  now: () => number;
  /** When budget windows end (the gateway's one calendar). */
  calendar: BudgetCalendar;
}

export class CustomerService {
  constructor(private readonly deps: CustomerServiceDeps) {}

  async create(caller: Principal, input: NewCustomerInput): Promise<Record<string, unknown>> {
    const now = this.deps.now();
    const customer: CustomerRecord = {
      ...newCustomer(input.user_id, new Date(now).toISOString()),
      ...(await this.settings(input, now, undefined)),
    };
    const { customers } = changesBy(this.deps.store, caller);
    if (await customers.findById(input.user_id)) throw customerExists(input.user_id);
    try {
      await customers.create(customer);
    } catch (error: unknown) {
      if (error instanceof UniqueViolation) throw customerExists(input.user_id);
      throw error;
    }
    this.deps.invalidation.customerChanged(customer.user_id);
    return customerView(customer, spendTime(this.deps), await this.budgetOf(customer));
  }

  async info(caller: Principal, userId: string): Promise<Record<string, unknown>> {
    checkReader(caller);
    const customer = await this.deps.store.customers.findWithBudget(userId);
    if (!customer) throw customersNotFound([userId]);
    return customerView(customer, spendTime(this.deps), customer.budget);
  }

  async list(caller: Principal): Promise<Record<string, unknown>[]> {
    checkReader(caller);
    const at = spendTime(this.deps);
    const budgets = new Map((await this.deps.store.budgets.list()).map((b) => [b.budget_id, b]));
    return (await this.deps.store.customers.list()).map((c) =>
      customerView(c, at, c.budget_id === null ? null : budgets.get(c.budget_id)),
    );
  }

  async update(caller: Principal, input: UpdateCustomerInput): Promise<Record<string, unknown>> {
    const { customers } = changesBy(this.deps.store, caller);
    const existing = await customers.findById(input.user_id);
    if (!existing) throw customersNotFound([input.user_id]);
    const now = this.deps.now();
    const updated = await customers.update(input.user_id, {
      ...(await this.settings(input, now, existing)),
      updated_at: new Date(now).toISOString(),
    });
    if (!updated) throw customersNotFound([input.user_id]);
    this.deps.invalidation.customerChanged(input.user_id);
    return customerView(updated, spendTime(this.deps), await this.budgetOf(updated));
  }

  async delete(caller: Principal, input: CustomerIdsInput): Promise<Record<string, unknown>> {
    const ids = [...new Set(input.user_ids)];
    await this.existing(ids);
    const deleted = await changesBy(this.deps.store, caller).customers.delete(ids);
    for (const id of ids) this.deps.invalidation.customerChanged(id);
    return {
      deleted_customers: deleted,
      message: `Successfully deleted customers with ids: ${pythonList(ids)}`,
    };
  }

  async block(caller: Principal, input: CustomerIdsInput): Promise<Record<string, unknown>> {
    const ids = [...new Set(input.user_ids)];
    const at = new Date(this.deps.now()).toISOString();
    const rows = await changesBy(this.deps.store, caller).customers.setBlocked(ids, true, at);
    for (const id of ids) this.deps.invalidation.customerChanged(id);
    return { blocked_users: rows.map((c) => customerView(c, spendTime(this.deps))) };
  }

  async unblock(caller: Principal, input: CustomerIdsInput): Promise<Record<string, unknown>> {
    const ids = [...new Set(input.user_ids)];
    await this.existing(ids);
    const at = new Date(this.deps.now()).toISOString();
    const rows = await changesBy(this.deps.store, caller).customers.setBlocked(ids, false, at);
    for (const id of ids) this.deps.invalidation.customerChanged(id);
    return { unblocked_users: rows.map((c) => customerView(c, spendTime(this.deps))) };
  }

  /** Throws LiteLLM's 404 naming every id that is not a customer. */
  private async existing(ids: readonly string[]): Promise<void> {
    const found = new Set((await this.deps.store.customers.findByIds(ids)).map((c) => c.user_id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw customersNotFound(missing);
  }

  private async budgetOf(customer: CustomerRecord): Promise<BudgetRecord | null> {
    if (customer.budget_id === null) return null;
    return (await this.deps.store.budgets.findById(customer.budget_id)) ?? null;
  }

  /** The columns the request names, checked; `null` clears a setting. */
  private async settings(
    input: CustomerFields,
    now: number,
    existing: CustomerRecord | undefined,
  ): Promise<CustomerPatch> {
    let budget: BudgetRecord | undefined;
    if (input.budget_id) {
      if (input.max_budget !== undefined && input.max_budget !== null) {
        throw new GatewayError('bad_request', "Set either 'max_budget' or 'budget_id', not both.", {
          param: 'budget_id',
        });
      }
      budget = await this.deps.store.budgets.findById(input.budget_id);
      if (!budget) throw budgetNotFound(input.budget_id);
    }
    checkBudget('max_budget', input.max_budget);
    checkBudget('soft_budget', input.soft_budget);
    const model = input.default_model;
    if (model && !this.deps.modelNames().includes(model)) {
      throw new GatewayError(
        'validation_error',
        `Default Model not on proxy. Configure model on config.yaml or via \`/model/new\`. Received default_model=${model}`,
        { param: 'default_model' },
      );
    }
    const patch: Record<string, unknown> = {};
    const fallback = { blocked: false, metadata: {}, spend: 0 };
    for (const field of ['blocked', 'metadata', 'spend'] as const) {
      if (input[field] !== undefined) patch[field] = input[field] ?? fallback[field];
    }
    for (const field of [
      'alias',
      'max_budget',
      'tpm_limit',
      'rpm_limit',
      'max_parallel_requests',
      'soft_budget',
      'allowed_model_region',
      'default_model',
    ] as const) {
      if (input[field] !== undefined) patch[field] = input[field];
    }
    if (input.budget_duration !== undefined) {
      const duration = input.budget_duration;
      patch.budget_duration = duration;
      patch.budget_reset_at = budgetResetAt(duration, now, this.deps.calendar);
    }
    if (input.budget_id !== undefined) {
      patch.budget_id = input.budget_id || null;
      // A customer without a duration of its own resets by the budget's, from now on.
      const ownDuration =
        input.budget_duration !== undefined ? input.budget_duration : existing?.budget_duration;
      if (budget && !ownDuration && budget.budget_id !== existing?.budget_id) {
        patch.budget_reset_at = budgetResetAt(budget.budget_duration, now, this.deps.calendar);
      }
    }
    return patch as CustomerPatch;
  }
}

/**
 * A customer as LiteLLM shows an end user: its budget settings under `litellm_budget_table`, its
 * own where it has them, else its shared budget's (`budget_id`), and the spend of its window.
 */
export function customerView(
  customer: CustomerRecord,
  at: SpendTime,
  budget?: BudgetRecord | null,
): Record<string, unknown> {
  const shared = customer.budget_id === null ? null : (budget ?? null);
  const {
    max_budget,
    budget_duration,
    budget_reset_at,
    tpm_limit,
    rpm_limit,
    max_parallel_requests,
    soft_budget,
    ...rest
  } = withCurrentSpend(
    {
      ...customer,
      budget_duration: customer.budget_duration ?? shared?.budget_duration ?? null,
    },
    at,
  );
  const table = {
    max_budget: max_budget ?? shared?.max_budget ?? null,
    soft_budget: soft_budget ?? shared?.soft_budget ?? null,
    max_parallel_requests: max_parallel_requests ?? shared?.max_parallel_requests ?? null,
    tpm_limit: tpm_limit ?? shared?.tpm_limit ?? null,
    rpm_limit: rpm_limit ?? shared?.rpm_limit ?? null,
    model_max_budget: shared ? shared.model_max_budget : null,
    budget_duration,
    budget_reset_at,
  };
  const hasBudget =
    shared !== null ||
    table.max_budget !== null ||
    budget_duration !== null ||
    table.tpm_limit !== null ||
    table.rpm_limit !== null ||
    table.max_parallel_requests !== null ||
    table.soft_budget !== null;
  return {
    ...rest,
    budget_id: customer.budget_id,
    litellm_budget_table: hasBudget ? table : null,
    object_permission: null,
  };
}

function checkReader(caller: Principal): void {
  if (!readsEverything(caller)) {
    throw new GatewayError('admin_only', `Admin-only endpoint. Your user role=${caller.role}`);
  }
}

function customerExists(userId: string): GatewayError {
  return new GatewayError(
    'customer_exists',
    `Customer already exists, passed user_id=${userId}. Please pass a new user_id.`,
    { param: 'user_id' },
  );
}

function customersNotFound(ids: readonly string[]): GatewayError {
  return new GatewayError(
    'customer_not_found',
    ids.length === 1
      ? `End User Id=${ids[0]} does not exist in db`
      : `End User Id(s)=${ids.join(', ')} do not exist in db`,
    { param: 'user_id' },
  );
}
