/**
 * Stored tags (LiteLLM's TagTable): a description, the models a tag is meant for, and a budget
 * (a `budgets` row, `budget_id`) that the calls booked under the tag are held to. Calls may name
 * tags that are not stored: those are only spend labels (`daily_tag_spend`).
 */
import type { Kysely } from 'kysely';
import { budgetCodec, type BudgetRecord } from './budget-repository.js';
import { rowCodec } from './row-codec.js';
import type { BudgetTable, DatabaseSchema, TagTable } from './schema.js';
import { detectUnique } from './unique-violation.js';

export interface TagRecord {
  tag_name: string;
  description: string | null;
  models: string[];
  budget_id: string | null;
  spend: number;
  /** ISO-8601 UTC end of the budget window `spend` belongs to; null: no window yet. */
  budget_reset_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export type TagPatch = Partial<Omit<TagRecord, 'tag_name' | 'created_at' | 'created_by' | 'spend'>>;

/** A stored tag with the budget that holds its limits, as the request path reads it. */
export interface LoadedTag extends TagRecord {
  budget: BudgetRecord | null;
}

const tagCodec = rowCodec<TagTable, TagRecord & { budget_duration?: null }>({
  json: { models: [] },
});

function readTag(row: TagTable): TagRecord {
  const { budget_duration: _always, ...rest } = tagCodec.read(row);
  return { ...rest, spend: Number(rest.spend) };
}

/** The budget columns, prefixed, for one query that reads tags with their budgets. */
const BUDGET_COLUMNS = [
  'budget_id',
  'max_budget',
  'soft_budget',
  'max_parallel_requests',
  'tpm_limit',
  'rpm_limit',
  'model_max_budget',
  'budget_duration',
  'budget_reset_at',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
] as const satisfies readonly (keyof BudgetTable)[];

export class TagRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `tag_name`) for a duplicate. */
  async create(tag: TagRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('tags')
        .values({ ...(tagCodec.write(tag) as TagTable), budget_duration: null })
        .execute(),
    );
  }

  async findByName(name: string): Promise<TagRecord | undefined> {
    const row = await this.db
      .selectFrom('tags')
      .selectAll()
      .where('tag_name', '=', name)
      .executeTakeFirst();
    return row && readTag(row);
  }

  /** The tags among `names` (all of them when undefined), oldest first. */
  async list(names?: readonly string[]): Promise<TagRecord[]> {
    if (names?.length === 0) return [];
    let q = this.db.selectFrom('tags').selectAll();
    if (names !== undefined) q = q.where('tag_name', 'in', [...names]);
    const rows = await q.orderBy('created_at').orderBy('tag_name').execute();
    return rows.map(readTag);
  }

  /** Every stored tag with its budget: what admission holds calls to. */
  async loadAll(): Promise<LoadedTag[]> {
    const rows = await this.db
      .selectFrom('tags as t')
      .leftJoin('budgets as b', 'b.budget_id', 't.budget_id')
      .selectAll('t')
      .select(BUDGET_COLUMNS.map((c) => `b.${c} as b_${c}` as const))
      .execute();
    return rows.map((row) => {
      const record = row as unknown as Record<string, unknown>;
      const budget: Record<string, unknown> = {};
      for (const column of BUDGET_COLUMNS) budget[column] = record[`b_${column}`];
      const tag = readTag(row as unknown as TagTable);
      return {
        ...tag,
        budget:
          budget.budget_id === null || budget.budget_id === undefined
            ? null
            : budgetCodec.read(budget as unknown as BudgetTable),
      };
    });
  }

  async update(name: string, patch: TagPatch): Promise<TagRecord | undefined> {
    const values = tagCodec.write(patch);
    if (Object.keys(values).length === 0) return this.findByName(name);
    const row = await this.db
      .updateTable('tags')
      .set(values)
      .where('tag_name', '=', name)
      .returningAll()
      .executeTakeFirst();
    return row && readTag(row);
  }

  /** Whether it was there. Its calls' spend stays in the log and the daily tag totals. */
  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('tags').where('tag_name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
