/**
 * The /budget/* operations (LiteLLM's budget_management_endpoints): shared budgets, named limits
 * that keys and customers take with `budget_id`. A change reaches the request path of every key
 * and customer on the budget at once.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import { modelMaxBudgetError } from '../spend/model-budgets.js';
import { changesBy } from '../store/audited-repositories.js';
import type { BudgetPatch, BudgetRecord } from '../store/budget-repository.js';
import type { Store } from '../store/store.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { readsEverything } from './caller-scope.js';
import type { CustomerInvalidation } from './customer-service.js';
import type { TagInvalidation } from '../spend/stored-tags.js';
import type { BudgetFields, NewBudgetInput, UpdateBudgetInput } from './budget-schemas.js';
import { budgetResetAt } from './key-settings.js';

export interface BudgetServiceDeps {
  store: Pick<Store, 'budgets' | 'organizations' | 'auditedBy'>;
  /** Customers on a budget are reloaded when it changes. */
  invalidation: CustomerInvalidation;
  /** Keys on a budget, and the keys of organizations on it, are reloaded when it changes. */
  keys: Pick<AuthInvalidation, 'keyChanged' | 'teamChanged'>;
  /** Stored tags on a budget are read again when it changes. */
  tags?: TagInvalidation;
  now: () => number;
  calendar: BudgetCalendar;
}

/** What `/budget/settings` describes, in LiteLLM's words. */
const SETTINGS: readonly { name: keyof BudgetRecord; type: string; description: string }[] = [
  { name: 'max_budget', type: 'float', description: 'Max budget for the budget id' },
  { name: 'soft_budget', type: 'float', description: 'Soft budget for the budget id' },
  {
    name: 'max_parallel_requests',
    type: 'int',
    description: 'Max parallel requests for the budget id',
  },
  { name: 'tpm_limit', type: 'int', description: 'Tokens per minute limit for the budget id' },
  { name: 'rpm_limit', type: 'int', description: 'Requests per minute limit for the budget id' },
  {
    name: 'budget_duration',
    type: 'str',
    description: 'How often the budget resets ("30s", "1h", "1d", "1mo")',
  },
];

export class BudgetService {
  constructor(private readonly deps: BudgetServiceDeps) {}

  async create(caller: Principal, input: NewBudgetInput): Promise<BudgetRecord> {
    const budget = this.newBudget(caller, input);
    try {
      await changesBy(this.deps.store, caller).budgets.create(budget);
    } catch (error: unknown) {
      if (!(error instanceof UniqueViolation)) throw error;
      throw new GatewayError(
        'bad_request',
        `Budget with id '${budget.budget_id}' already exists.`,
        { param: 'budget_id' },
      );
    }
    return budget;
  }

  /** A new budget's row, its settings checked, not stored yet (for a caller that stores it). */
  newBudget(caller: Principal, input: NewBudgetInput): BudgetRecord {
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const budgetId = input.budget_id ?? randomUUID();
    const actor = caller.userId ?? 'default_user_id';
    const budget: BudgetRecord = {
      budget_id: budgetId,
      max_budget: null,
      soft_budget: null,
      max_parallel_requests: null,
      tpm_limit: null,
      rpm_limit: null,
      model_max_budget: {},
      budget_duration: null,
      budget_reset_at: null,
      created_at: at,
      created_by: actor,
      updated_at: at,
      updated_by: actor,
      ...this.settings(input, now),
    };
    return budget;
  }

  async update(caller: Principal, input: UpdateBudgetInput): Promise<BudgetRecord> {
    if (!input.budget_id) {
      throw new GatewayError('bad_request', 'budget_id is required', { param: 'budget_id' });
    }
    const budgetId = input.budget_id;
    const existing = await this.deps.store.budgets.findById(budgetId);
    if (!existing) throw budgetNotFound(budgetId);
    const now = this.deps.now();
    const patch: BudgetPatch = {
      ...this.settings(input, now),
      updated_at: new Date(now).toISOString(),
      updated_by: caller.userId ?? 'default_user_id',
    };
    const updated = await changesBy(this.deps.store, caller).budgets.update(budgetId, patch);
    if (!updated) throw budgetNotFound(budgetId);
    // Keys and customers on it that had no window yet start one now that the budget resets.
    if (updated.budget_duration && !existing.budget_duration && updated.budget_reset_at) {
      await this.deps.store.budgets.startWindows(budgetId, updated.budget_reset_at);
    }
    await this.holdersChanged(budgetId);
    return updated;
  }

  async info(budgetIds: readonly string[]): Promise<BudgetRecord[]> {
    if (budgetIds.length === 0) {
      throw new GatewayError('bad_request', "Specify list of budget id's to query. Passed in=[]", {
        param: 'budgets',
      });
    }
    return this.deps.store.budgets.findByIds(budgetIds);
  }

  async list(caller: Principal): Promise<BudgetRecord[]> {
    checkReader(caller);
    return this.deps.store.budgets.list();
  }

  /** Each setting of the budget with its type, value and meaning (for the UI's form). */
  async settingsOf(caller: Principal, budgetId: string): Promise<Record<string, unknown>[]> {
    checkReader(caller);
    const budget = await this.deps.store.budgets.findById(budgetId);
    if (!budget) throw budgetNotFound(budgetId);
    return SETTINGS.map((s) => ({
      field_name: s.name,
      field_type: s.type,
      field_value: budget[s.name],
      field_description: s.description,
    }));
  }

  /** Refused while customers point to it: they would silently lose their limits. */
  async delete(caller: Principal, budgetId: string): Promise<BudgetRecord> {
    const existing = await this.deps.store.budgets.findById(budgetId);
    if (!existing) throw budgetNotFound(budgetId);
    const customers = await this.deps.store.budgets.customersOf(budgetId);
    const keys = await this.deps.store.budgets.keysOf(budgetId);
    if (customers.length > 0 || keys.length > 0) {
      throw new GatewayError(
        'bad_request',
        `Budget '${budgetId}' is used by ${customers.length} customer(s) and ${keys.length} key(s); move them to another budget (or none) with /customer/update and /key/update first`,
        { param: 'id' },
      );
    }
    const organizations = await this.deps.store.budgets.organizationsOn(budgetId);
    if (organizations > 0) {
      throw new GatewayError(
        'bad_request',
        `Budget '${budgetId}' holds the limits of ${organizations} organization(s) or organization member(s); give them another budget with /organization/update first`,
        { param: 'id' },
      );
    }
    const tags = await this.deps.store.budgets.tagsOf(budgetId);
    if (tags.length > 0) {
      throw new GatewayError(
        'bad_request',
        `Budget '${budgetId}' holds the limits of ${tags.length} tag(s); give them another budget with /tag/update first`,
        { param: 'id' },
      );
    }
    await changesBy(this.deps.store, caller).budgets.delete(budgetId);
    return existing;
  }

  private async holdersChanged(budgetId: string): Promise<void> {
    for (const id of await this.deps.store.budgets.customersOf(budgetId)) {
      this.deps.invalidation.customerChanged(id);
    }
    for (const token of await this.deps.store.budgets.keysOf(budgetId)) {
      this.deps.keys.keyChanged(token);
    }
    // An organization's keys (its teams' and its own) carry its budget's limits.
    const organizations = await this.deps.store.budgets.organizationsOf(budgetId);
    for (const teamId of await this.deps.store.organizations.teamIdsOf(organizations)) {
      this.deps.keys.teamChanged(teamId);
    }
    for (const token of await this.deps.store.organizations.keyTokensOf(organizations)) {
      this.deps.keys.keyChanged(token);
    }
    const tags = await this.deps.store.budgets.tagsOf(budgetId);
    if (tags.length > 0) await this.deps.tags?.tagsChanged(tags);
  }

  /** A budget an organization or tag names with `budget_id`; LiteLLM's 400 when there is none. */
  async existing(budgetId: string): Promise<BudgetRecord> {
    const budget = await this.deps.store.budgets.findById(budgetId);
    if (!budget) {
      throw new GatewayError('bad_request', `Budget not found: budget_id=${budgetId}`, {
        param: 'budget_id',
      });
    }
    return budget;
  }

  /**
   * The budget that holds the limits of an organization or tag (`holder`, which holds
   * `current` now) after an update: another existing one (`budget_id`), or its own with the
   * limits the request changes, made when it had none; undefined when the request touches
   * neither. A budget others hold too is changed only where all of them are seen: /budget/update.
   */
  async budgetAfter(
    caller: Principal,
    holder: string,
    current: string | null,
    input: BudgetFields & { budget_id?: string | null },
  ): Promise<BudgetRecord | undefined> {
    const fields = budgetFieldsOf(input);
    const changesLimits = Object.keys(fields).length > 0;
    if (input.budget_id && input.budget_id !== current) {
      if (changesLimits) {
        throw new GatewayError(
          'bad_request',
          'Give either budget_id (another budget) or the budget fields to change, not both',
          { param: 'budget_id' },
        );
      }
      return this.existing(input.budget_id);
    }
    if (!changesLimits) return undefined;
    if (current === null) return this.create(caller, fields);
    const budgets = this.deps.store.budgets;
    const holders =
      (await budgets.organizationsOn(current)) +
      (await budgets.keysOf(current)).length +
      (await budgets.customersOf(current)).length +
      (await budgets.tagsOf(current)).length;
    if (holders > 1) {
      throw new GatewayError(
        'bad_request',
        `Budget '${current}' is shared with other organizations, members, keys, customers or tags: change it with /budget/update, or give this ${holder} a budget of its own (budget_id)`,
        { param: 'budget_id' },
      );
    }
    return this.update(caller, { ...fields, budget_id: current });
  }

  /** The columns the request names, checked; `null` clears one. */
  private settings(input: BudgetFields, now: number): BudgetPatch {
    for (const field of ['max_budget', 'soft_budget'] as const) {
      const value = input[field];
      if (value != null && (value < 0 || !Number.isFinite(value))) {
        throw new GatewayError(
          'bad_request',
          `${field} must be a non-negative finite number. Received: ${value}`,
          { param: field },
        );
      }
    }
    const problem = input.model_max_budget && modelMaxBudgetError(input.model_max_budget);
    if (problem) throw new GatewayError('bad_request', problem, { param: 'model_max_budget' });
    const patch: Record<string, unknown> = {};
    for (const field of [
      'max_budget',
      'soft_budget',
      'max_parallel_requests',
      'tpm_limit',
      'rpm_limit',
    ] as const) {
      if (input[field] !== undefined) patch[field] = input[field];
    }
    if (input.model_max_budget !== undefined) patch.model_max_budget = input.model_max_budget ?? {};
    if (input.budget_duration !== undefined) {
      patch.budget_duration = input.budget_duration;
      patch.budget_reset_at = budgetResetAt(input.budget_duration, now, this.deps.calendar);
    }
    return patch as BudgetPatch;
  }
}

/** The budget settings a request names (an organization's or tag's), without the rest. */
export function budgetFieldsOf(input: BudgetFields): BudgetFields {
  const fields: Record<string, unknown> = {};
  for (const field of BUDGET_FIELDS) if (input[field] !== undefined) fields[field] = input[field];
  return fields as BudgetFields;
}

const BUDGET_FIELDS = [
  'max_budget',
  'soft_budget',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
  'budget_duration',
  'model_max_budget',
] as const satisfies readonly (keyof BudgetFields)[];

export function budgetNotFound(budgetId: string): GatewayError {
  return new GatewayError('not_found', `Budget not found: budget_id=${budgetId}`, {
    param: 'budget_id',
  });
}

function checkReader(caller: Principal): void {
  if (!readsEverything(caller)) {
    throw new GatewayError(
      'bad_request',
      `Admin-only endpoint. Not allowed to access this., your role=${caller.role}`,
    );
  }
}
