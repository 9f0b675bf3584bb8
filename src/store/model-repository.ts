/**
 * Models stored in the database (LiteLLM's ProxyModelTable). `litellm_params` is kept as the
 * caller of this repository gives it: already encrypted (see credential-cipher.ts).
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, ModelTable } from './schema.js';
import { detectUnique } from './unique-violation.js';

export interface ModelRecord {
  model_id: string;
  model_name: string;
  /** With encrypted values: never the provider credentials in clear. */
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

export type ModelPatch = Partial<Omit<ModelRecord, 'model_id' | 'created_at' | 'created_by'>>;

const codec = rowCodec<ModelTable, ModelRecord>({
  json: { litellm_params: {}, model_info: {} },
});

export class ModelRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Throws UniqueViolation (column `model_id`) for a duplicate id. */
  async create(model: ModelRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('models')
        .values(codec.write(model) as ModelTable)
        .execute(),
    );
  }

  async findById(modelId: string): Promise<ModelRecord | undefined> {
    const row = await this.db
      .selectFrom('models')
      .selectAll()
      .where('model_id', '=', modelId)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  /** Every stored model, oldest first. */
  async list(): Promise<ModelRecord[]> {
    const rows = await this.db
      .selectFrom('models')
      .selectAll()
      .orderBy('created_at')
      .orderBy('model_id')
      .execute();
    return rows.map(codec.read);
  }

  /**
   * A cheap summary of the table that changes whenever a model is added, updated or deleted:
   * the ids and `updated_at` of every row (two short columns, no JSON, nothing decrypted).
   */
  async fingerprint(): Promise<string> {
    const rows = await this.db
      .selectFrom('models')
      .select(['model_id', 'updated_at'])
      .orderBy('model_id')
      .execute();
    return rows.map((r) => `${r.model_id}@${r.updated_at}`).join('\n');
  }

  /** The updated model, or undefined when there is none with this id. */
  async update(modelId: string, patch: ModelPatch): Promise<ModelRecord | undefined> {
    const values = codec.write(patch);
    if (Object.keys(values).length > 0) {
      await this.db.updateTable('models').set(values).where('model_id', '=', modelId).execute();
    }
    return this.findById(modelId);
  }

  /** Whether a model was deleted. */
  async delete(modelId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('models')
      .where('model_id', '=', modelId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
