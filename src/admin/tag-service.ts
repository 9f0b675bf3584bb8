/**
 * The /tag/* operations (LiteLLM's tag_management_endpoints): tags with a description, the models
 * they are meant for, and a budget (a `budgets` row) that every call booked under the tag is held
 * to, on every replica. Proxy admins change them; admins and viewers read them. A change reaches
 * the request path at once here (and within milliseconds on the other replicas in cluster mode).
 */
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { TagInvalidation } from '../spend/stored-tags.js';
import { changesBy } from '../store/audited-repositories.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import type { Store } from '../store/store.js';
import type { TagPatch, TagRecord } from '../store/tag-repository.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { budgetFieldsOf, type BudgetService } from './budget-service.js';
import { actorOf } from './caller-scope.js';
import { spendTime, withCurrentSpend, type SpendTime } from './current-spend.js';
import { budgetResetAt } from './key-settings.js';
import type { NewTagInput, TagListQuery, UpdateTagInput } from './tag-schemas.js';

export interface TagServiceDeps {
  store: Pick<Store, 'tags' | 'budgets' | 'models' | 'spendReports' | 'auditedBy'>;
  /** Makes and changes the tags' budget rows (validated as /budget/* does). */
  budgets: BudgetService;
  /** The request path's copy of the stored tags. */
  invalidation: TagInvalidation;
  now: () => number;
  calendar: BudgetCalendar;
}

/** What LiteLLM says of a tag that calls carry but nobody stored. */
const DYNAMIC_TAG_DESCRIPTION =
  'This is just a spend tag that was passed dynamically in a request. It does not control any LLM models.';

export class TagService {
  constructor(private readonly deps: TagServiceDeps) {}

  async create(caller: Principal, input: NewTagInput): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    if (await store.tags.findByName(input.name)) throw tagExists(input.name);
    // A tag's limits are a budget: the one it names, else one made of the request's limits
    // (when it gives any), stored with the tag in one transaction.
    const fields = budgetFieldsOf(input);
    const own =
      input.budget_id || Object.keys(fields).length === 0
        ? undefined
        : this.deps.budgets.newBudget(caller, fields);
    const budget =
      own ?? (input.budget_id ? await this.deps.budgets.existing(input.budget_id) : null);
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const tag: TagRecord = {
      tag_name: input.name,
      description: input.description ?? null,
      models: input.models ?? [],
      budget_id: budget?.budget_id ?? null,
      spend: 0,
      budget_reset_at: budgetResetAt(budget?.budget_duration ?? null, now, this.deps.calendar),
      created_at: at,
      created_by: actorOf(caller),
      updated_at: at,
      updated_by: actorOf(caller),
    };
    try {
      await changesBy(store, caller).tags.create(tag, own);
    } catch (error: unknown) {
      // Made meanwhile by another request.
      if (error instanceof UniqueViolation) throw tagExists(input.name);
      throw error;
    }
    await this.changed(tag.tag_name);
    return {
      message: `Tag ${tag.tag_name} created successfully`,
      tag: await this.view(tag, budget, spendTime(this.deps)),
    };
  }

  async update(caller: Principal, input: UpdateTagInput): Promise<Record<string, unknown>> {
    const tag = await this.found(input.name);
    const budget = await this.deps.budgets.budgetAfter(caller, 'tag', tag.budget_id, input);
    const now = this.deps.now();
    const patch: TagPatch = {
      updated_at: new Date(now).toISOString(),
      updated_by: actorOf(caller),
    };
    if (input.description !== undefined) patch.description = input.description;
    if (input.models !== undefined) patch.models = input.models ?? [];
    if (budget) {
      patch.budget_id = budget.budget_id;
      // A window starts with a new budget, a duration given, or the first one the budget gets.
      if (
        budget.budget_id !== tag.budget_id ||
        input.budget_duration !== undefined ||
        tag.budget_reset_at === null
      ) {
        patch.budget_reset_at = budgetResetAt(budget.budget_duration, now, this.deps.calendar);
      }
    }
    const updated = await changesBy(this.deps.store, caller).tags.update(tag.tag_name, patch);
    if (!updated) throw tagNotFound(tag.tag_name);
    await this.changed(updated.tag_name);
    return {
      message: `Tag ${updated.tag_name} updated successfully`,
      tag: await this.view(updated, await this.budgetOf(updated), spendTime(this.deps)),
    };
  }

  /** `POST /tag/info`: the tags named, by name; 404 naming those that are not stored. */
  async info(names: readonly string[]): Promise<Record<string, unknown>> {
    const wanted = [...new Set(names)];
    const found = await this.deps.store.tags.list(wanted);
    const missing = wanted.filter((n) => !found.some((t) => t.tag_name === n));
    if (missing.length > 0) {
      throw new GatewayError(
        'not_found',
        `Tags not found: [${missing.map((n) => `'${n}'`).join(', ')}]`,
        { param: 'names' },
      );
    }
    const at = spendTime(this.deps);
    const out: Record<string, unknown> = {};
    for (const tag of found) out[tag.tag_name] = await this.view(tag, await this.budgetOf(tag), at);
    return out;
  }

  /**
   * `GET /tag/list`: every stored tag with its budget, then the tags calls were booked under
   * that nobody stored (between the days given, if any), as LiteLLM lists them.
   */
  async list(query: TagListQuery): Promise<Record<string, unknown>[]> {
    checkDays(query);
    const { store } = this.deps;
    const [stored, seen] = await Promise.all([
      store.tags.list(),
      store.spendReports.tagDays(query.start_date, query.end_date),
    ]);
    const at = spendTime(this.deps);
    const out: Record<string, unknown>[] = [];
    for (const tag of stored) out.push(await this.view(tag, await this.budgetOf(tag), at));
    const names = new Set(stored.map((t) => t.tag_name));
    for (const { tag, first, last } of seen) {
      if (names.has(tag)) continue;
      out.push({
        name: tag,
        description: DYNAMIC_TAG_DESCRIPTION,
        models: null,
        created_at: `${first}T00:00:00.000Z`,
        updated_at: `${last}T00:00:00.000Z`,
      });
    }
    return out;
  }

  /** `POST /tag/delete`: the tag's budget row stays (other holders may share it). */
  async delete(caller: Principal, name: string): Promise<Record<string, unknown>> {
    const tag = await this.found(name);
    const deleted = await changesBy(this.deps.store, caller).tags.delete(tag.tag_name);
    if (!deleted) throw tagNotFound(name);
    await this.changed(tag.tag_name);
    return { message: `Tag ${name} deleted successfully` };
  }

  private async found(name: string): Promise<TagRecord> {
    const tag = await this.deps.store.tags.findByName(name);
    if (!tag) throw tagNotFound(name);
    return tag;
  }

  private async budgetOf(tag: TagRecord): Promise<BudgetRecord | null> {
    return tag.budget_id ? ((await this.deps.store.budgets.findById(tag.budget_id)) ?? null) : null;
  }

  /** The request path reads the tags again before the change is answered. */
  private async changed(name: string): Promise<void> {
    await this.deps.invalidation.tagsChanged([name]);
  }

  /**
   * LiteLLM's TagConfig (name, description, models, model_info, created and updated), with the
   * tag's spend in its current window and its budget's settings beside `litellm_budget_table`.
   */
  private async view(
    tag: TagRecord,
    budget: BudgetRecord | null,
    at: SpendTime,
  ): Promise<Record<string, unknown>> {
    const current = withCurrentSpend(
      { ...tag, budget_duration: budget?.budget_duration ?? null },
      at,
    );
    return {
      name: tag.tag_name,
      description: tag.description,
      models: tag.models,
      model_info: await this.modelInfo(tag.models),
      spend: current.spend,
      budget_id: tag.budget_id,
      max_budget: budget?.max_budget ?? null,
      soft_budget: budget?.soft_budget ?? null,
      budget_duration: budget?.budget_duration ?? null,
      budget_reset_at: current.budget_reset_at,
      tpm_limit: budget?.tpm_limit ?? null,
      rpm_limit: budget?.rpm_limit ?? null,
      max_parallel_requests: budget?.max_parallel_requests ?? null,
      litellm_budget_table: budget,
      created_at: tag.created_at,
      updated_at: tag.updated_at,
      created_by: tag.created_by,
    };
  }

  /** The database models among the tag's models, by id: their names (LiteLLM's `model_info`). */
  private async modelInfo(models: readonly string[]): Promise<Record<string, string>> {
    const info: Record<string, string> = {};
    for (const id of models) {
      const model = await this.deps.store.models.findById(id);
      if (model) info[id] = model.model_name;
    }
    return info;
  }
}

/** LiteLLM's 400s for the days of `/tag/list`: both or neither, real days, in order. */
function checkDays({ start_date: start, end_date: end }: TagListQuery): void {
  if ((start === undefined) !== (end === undefined)) {
    throw new GatewayError('bad_request', 'start_date and end_date must be provided together', {
      param: start === undefined ? 'start_date' : 'end_date',
    });
  }
  for (const [param, value] of [
    ['start_date', start],
    ['end_date', end],
  ] as const) {
    if (value !== undefined && !isDay(value)) {
      throw new GatewayError(
        'bad_request',
        `Invalid date format, expected YYYY-MM-DD: ${param}=${value}`,
        { param },
      );
    }
  }
  if (start !== undefined && end !== undefined && start > end) {
    throw new GatewayError('bad_request', 'start_date must be on or before end_date', {
      param: 'start_date',
    });
  }
}

/** A real calendar day written `YYYY-MM-DD` (not 2026-02-30). */
function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const at = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === text;
}

function tagExists(name: string): GatewayError {
  return new GatewayError('bad_request', `Tag ${name} already exists`, { param: 'name' });
}

function tagNotFound(name: string): GatewayError {
  return new GatewayError('not_found', `Tag ${name} not found`, { param: 'name' });
}
