/**
 * Shared budgets (LiteLLM's BudgetTable): named limits that customers point to with `budget_id`.
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { BudgetTable, DatabaseSchema } from './schema.js';
import { detectUnique } from './unique-violation.js';

export interface BudgetRecord {
  budget_id: string;
  max_budget: number | null;
  soft_budget: number | null;
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  model_max_budget: Record<string, unknown>;
  budget_duration: string | null;
  /** ISO-8601 UTC: when a customer that takes this budget first starts a window. */
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export type BudgetPatch = Partial<Omit<BudgetRecord, 'budget_id' | 'created_at' | 'created_by'>>;

export const budgetCodec = rowCodec<BudgetTable, BudgetRecord>({
  json: { model_max_budget: {} },
  int: ['max_parallel_requests', 'tpm_limit', 'rpm_limit'],
});

export class BudgetRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `budget_id`) for a duplicate. */
  async create(budget: BudgetRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('budgets')
        .values(budgetCodec.write(budget) as BudgetTable)
        .execute(),
    );
  }

  async findById(budgetId: string): Promise<BudgetRecord | undefined> {
    const row = await this.db
      .selectFrom('budgets')
      .selectAll()
      .where('budget_id', '=', budgetId)
      .executeTakeFirst();
    return row && budgetCodec.read(row);
  }

  /** The budgets of `ids` that exist, in id order. */
  async findByIds(ids: readonly string[]): Promise<BudgetRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('budgets')
      .selectAll()
      .where('budget_id', 'in', [...ids])
      .orderBy('budget_id')
      .execute();
    return rows.map(budgetCodec.read);
  }

  /** Every budget, oldest first. */
  async list(): Promise<BudgetRecord[]> {
    const rows = await this.db
      .selectFrom('budgets')
      .selectAll()
      .orderBy('created_at')
      .orderBy('budget_id')
      .execute();
    return rows.map(budgetCodec.read);
  }

  async update(budgetId: string, patch: BudgetPatch): Promise<BudgetRecord | undefined> {
    const values = budgetCodec.write(patch);
    if (Object.keys(values).length === 0) return this.findById(budgetId);
    const row = await this.db
      .updateTable('budgets')
      .set(values)
      .where('budget_id', '=', budgetId)
      .returningAll()
      .executeTakeFirst();
    return row && budgetCodec.read(row);
  }

  /** Whether it was there. */
  async delete(budgetId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('budgets')
      .where('budget_id', '=', budgetId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The ids of the customers that point to the budget. */
  async customersOf(budgetId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('customers')
      .select('user_id')
      .where('budget_id', '=', budgetId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** The hashes of the keys that point to the budget. */
  async keysOf(budgetId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('keys')
      .select('token')
      .where('budget_id', '=', budgetId)
      .execute();
    return rows.map((r) => r.token);
  }

  /** The ids of the organizations whose limits the budget holds. */
  async organizationsOf(budgetId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('organizations')
      .select('organization_id')
      .where('budget_id', '=', budgetId)
      .execute();
    return rows.map((r) => r.organization_id);
  }

  /** The names of the tags whose limits the budget holds. */
  async tagsOf(budgetId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tags')
      .select('tag_name')
      .where('budget_id', '=', budgetId)
      .execute();
    return rows.map((r) => r.tag_name);
  }

  /** How many organizations and organization memberships hold their limits in the budget. */
  async organizationsOn(budgetId: string): Promise<number> {
    const [organizations, members] = await Promise.all([
      this.db
        .selectFrom('organizations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('budget_id', '=', budgetId)
        .executeTakeFirst(),
      this.db
        .selectFrom('organization_members')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('budget_id', '=', budgetId)
        .executeTakeFirst(),
    ]);
    return Number(organizations?.n ?? 0) + Number(members?.n ?? 0);
  }

  /**
   * Starts a window for the budget's keys, customers, organizations and tags that have none and no
   * duration of their own: after the budget got a `budget_duration`, their spend resets by it
   * from `resetAt` on.
   */
  async startWindows(budgetId: string, resetAt: string): Promise<void> {
    for (const table of ['customers', 'keys', 'organizations', 'tags'] as const) {
      await this.db
        .updateTable(table)
        .set({ budget_reset_at: resetAt })
        .where('budget_id', '=', budgetId)
        .where('budget_reset_at', 'is', null)
        .where('budget_duration', 'is', null)
        .execute();
    }
  }
}
