/**
 * Customers (LiteLLM's EndUserTable): the end users named by the `user` field of a request, with
 * their own budget, limits and blocked flag.
 */
import type { Kysely } from 'kysely';
import { budgetCodec, type BudgetRecord } from './budget-repository.js';
import { rowCodec } from './row-codec.js';
import type { CustomerTable, DatabaseSchema } from './schema.js';
import { transact } from './transact.js';
import { detectUnique } from './unique-violation.js';

export interface CustomerRecord {
  user_id: string;
  alias: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  blocked: boolean;
  allowed_model_region: string | null;
  default_model: string | null;
  metadata: Record<string, unknown>;
  /** A shared budget whose limits apply where the customer sets none itself. */
  budget_id: string | null;
  max_parallel_requests: number | null;
  /** Stored and shown; soft budgets of customers send no notice. */
  soft_budget: number | null;
  created_at: string;
  updated_at: string;
}

/** A customer with the shared budget it points to, as the request path reads it. */
export interface LoadedCustomer extends CustomerRecord {
  budget: BudgetRecord | null;
}

export type CustomerPatch = Partial<Omit<CustomerRecord, 'user_id' | 'created_at'>>;

const codec = rowCodec<CustomerTable, CustomerRecord>({
  json: { metadata: {} },
  bool: ['blocked'],
  int: ['tpm_limit', 'rpm_limit', 'max_parallel_requests'],
});

export class CustomerRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `user_id`) for a duplicate. */
  async create(customer: CustomerRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('customers')
        .values(codec.write(customer) as CustomerTable)
        .execute(),
    );
  }

  async findById(userId: string): Promise<CustomerRecord | undefined> {
    const row = await this.db
      .selectFrom('customers')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  /** The customer and its shared budget, if it has one. */
  async findWithBudget(userId: string): Promise<LoadedCustomer | undefined> {
    const customer = await this.findById(userId);
    if (!customer) return undefined;
    const budget =
      customer.budget_id === null
        ? undefined
        : await this.db
            .selectFrom('budgets')
            .selectAll()
            .where('budget_id', '=', customer.budget_id)
            .executeTakeFirst();
    return { ...customer, budget: budget ? budgetCodec.read(budget) : null };
  }

  async findByIds(userIds: readonly string[]): Promise<CustomerRecord[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('customers')
      .selectAll()
      .where('user_id', 'in', [...userIds])
      .orderBy('user_id')
      .execute();
    return rows.map(codec.read);
  }

  /** Every customer, oldest first. */
  async list(): Promise<CustomerRecord[]> {
    const rows = await this.db
      .selectFrom('customers')
      .selectAll()
      .orderBy('created_at')
      .orderBy('user_id')
      .execute();
    return rows.map(codec.read);
  }

  /** The updated customer, or undefined when there is none with this id. */
  async update(userId: string, patch: CustomerPatch): Promise<CustomerRecord | undefined> {
    const values = codec.write(patch);
    if (Object.keys(values).length === 0) return this.findById(userId);
    const row = await this.db
      .updateTable('customers')
      .set(values)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row && codec.read(row);
  }

  /**
   * Blocks or unblocks each customer in one transaction. Blocking creates the customers that do
   * not exist yet (so an end user can be refused before its first request), as LiteLLM does.
   */
  async setBlocked(
    userIds: readonly string[],
    blocked: boolean,
    at: string,
  ): Promise<CustomerRecord[]> {
    if (userIds.length === 0) return [];
    return transact(this.db, async (trx) => {
      if (blocked) {
        await trx
          .insertInto('customers')
          .values(
            userIds.map((user_id) => ({
              ...(codec.write(newCustomer(user_id, at)) as CustomerTable),
              blocked: 1,
            })),
          )
          .onConflict((oc) => oc.column('user_id').doNothing())
          .execute();
      }
      const rows = await trx
        .updateTable('customers')
        .set({ blocked: blocked ? 1 : 0, updated_at: at })
        .where('user_id', 'in', [...userIds])
        .returningAll()
        .execute();
      return rows.map(codec.read).sort((a, b) => a.user_id.localeCompare(b.user_id));
    });
  }

  /** How many were deleted. */
  async delete(userIds: readonly string[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const result = await this.db
      .deleteFrom('customers')
      .where('user_id', 'in', [...userIds])
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** A customer with every setting at its default. */
export function newCustomer(userId: string, at: string): CustomerRecord {
  return {
    user_id: userId,
    alias: null,
    spend: 0,
    max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    tpm_limit: null,
    rpm_limit: null,
    blocked: false,
    allowed_model_region: null,
    default_model: null,
    metadata: {},
    budget_id: null,
    max_parallel_requests: null,
    soft_budget: null,
    created_at: at,
    updated_at: at,
  };
}
