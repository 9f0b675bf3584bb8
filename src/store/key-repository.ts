/**
 * Virtual keys: the `keys` table (LiteLLM's VerificationToken) and the old secrets of
 * regenerated keys that stay valid for a grace period (`deprecated_keys`). Keys are found by
 * their SHA-256 hash (`token`); the raw key never reaches the store.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, KeyTable } from './schema.js';
import { transact } from './transact.js';
import { detectUnique } from './unique-violation.js';

/** A key as the rest of the gateway sees it; field names are LiteLLM's. */
export interface KeyRecord {
  token: string;
  key_name: string | null;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  aliases: Record<string, string>;
  config: Record<string, unknown>;
  permissions: Record<string, unknown>;
  metadata: Record<string, unknown>;
  tags: string[];
  allowed_routes: string[];
  model_max_budget: Record<string, unknown>;
  /** A shared budget whose limits apply where the key sets none itself. */
  budget_id: string | null;
  /** The organization of a key outside any team (a team's key belongs to the team's). */
  organization_id: string | null;
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  /** ISO-8601 UTC. */
  budget_reset_at: string | null;
  /** ISO-8601 UTC; null = never expires. */
  expires: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  blocked: boolean;
  key_type: string;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

/** A key's spend on one model of its `model_max_budget`, as stored (`key_model_spend`). */
export interface KeyModelSpend {
  model: string;
  spend: number;
  /** ISO-8601 UTC end of the window the spend belongs to; null when the budget never resets. */
  budget_reset_at: string | null;
}

/** What an update may change: everything but the identity and creation columns. */
export type KeyPatch = Partial<Omit<KeyRecord, 'token' | 'created_at' | 'created_by'>>;

/** The columns `/key/list` may sort by (`sort_by`); ties are broken by the key's hash. */
export const KEY_SORT_COLUMNS = [
  'created_at',
  'updated_at',
  'key_alias',
  'key_name',
  'user_id',
  'team_id',
  'spend',
  'max_budget',
  'expires',
] as const;
export type KeySortColumn = (typeof KEY_SORT_COLUMNS)[number];

export interface KeyListQuery {
  /** 1-based. */
  page: number;
  size: number;
  userId?: string;
  /** With `userId`: also the keys of these teams (a team admin's `include_team_keys`). */
  orTeamIds?: readonly string[];
  /** With `userId`: also the keys this user made (`include_created_by_keys`). */
  orCreatedBy?: string;
  teamId?: string;
  organizationId?: string;
  keyAlias?: string;
  token?: string;
  order?: 'asc' | 'desc';
  sortBy?: KeySortColumn;
}

export interface KeyPage {
  keys: KeyRecord[];
  total: number;
}

export interface Rotation {
  token: string;
  key_name: string | null;
  updated_at: string;
  /** When set, the old secret keeps working until then (ISO-8601). */
  graceUntil?: string;
  patch?: KeyPatch;
}

const codec = rowCodec<KeyTable, KeyRecord>({
  json: {
    models: [],
    aliases: {},
    config: {},
    permissions: {},
    metadata: {},
    tags: [],
    allowed_routes: [],
    model_max_budget: {},
  },
  bool: ['blocked'],
  int: ['tpm_limit', 'rpm_limit', 'max_parallel_requests'],
});

type Db = Kysely<DatabaseSchema>;

export class KeyRepository {
  constructor(private readonly db: Db) {}

  /** Throws UniqueViolation (column `token` or `key_alias`) for a duplicate. */
  async create(key: KeyRecord): Promise<void> {
    await detectUnique(() =>
      this.db
        .insertInto('keys')
        .values(codec.write(key) as KeyTable)
        .execute(),
    );
  }

  async findByHash(token: string): Promise<KeyRecord | undefined> {
    const row = await this.db
      .selectFrom('keys')
      .selectAll()
      .where('token', '=', token)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  async findByAlias(alias: string): Promise<KeyRecord | undefined> {
    const row = await this.db
      .selectFrom('keys')
      .selectAll()
      .where('key_alias', '=', alias)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  async findByHashes(tokens: readonly string[]): Promise<KeyRecord[]> {
    if (tokens.length === 0) return [];
    const rows = await this.db
      .selectFrom('keys')
      .selectAll()
      .where('token', 'in', [...tokens])
      .execute();
    return rows.map(codec.read);
  }

  async findByAliases(aliases: readonly string[]): Promise<KeyRecord[]> {
    if (aliases.length === 0) return [];
    const rows = await this.db
      .selectFrom('keys')
      .selectAll()
      .where('key_alias', 'in', [...aliases])
      .execute();
    return rows.map(codec.read);
  }

  /** The updated key, or undefined when there is none with this hash. */
  async update(token: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const values = codec.write(patch);
    if (Object.keys(values).length === 0) return this.findByHash(token);
    const row = await detectUnique(() =>
      this.db
        .updateTable('keys')
        .set(values)
        .where('token', '=', token)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && codec.read(row);
  }

  /**
   * A page of the distinct aliases of the keys that match, in order, and how many there are:
   * `search` is part of the alias in any case; `userId` / `teamId` limit whose keys.
   */
  async aliases(query: {
    page: number;
    size: number;
    search?: string;
    userId?: string;
    teamId?: string;
  }): Promise<{ aliases: string[]; total: number }> {
    let q = this.db.selectFrom('keys').where('key_alias', 'is not', null);
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
    if (query.teamId !== undefined) q = q.where('team_id', '=', query.teamId);
    if (query.search !== undefined) {
      const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(key_alias) like ${pattern} escape '\\'`);
    }
    const [rows, count] = await Promise.all([
      q
        .select('key_alias')
        .distinct()
        .orderBy('key_alias')
        .limit(query.size)
        .offset((query.page - 1) * query.size)
        .execute(),
      q
        .select((eb) => eb.fn.count<number | string>('key_alias').distinct().as('n'))
        .executeTakeFirst(),
    ]);
    return { aliases: rows.map((r) => r.key_alias!), total: Number(count?.n ?? 0) };
  }

  /** The key's per-model spend rows (`model_max_budget`), as the last bookings left them. */
  async findModelSpend(token: string): Promise<KeyModelSpend[]> {
    const rows = await this.db
      .selectFrom('key_model_spend')
      .select(['model', 'spend', 'budget_reset_at'])
      .where('token', '=', token)
      .execute();
    return rows.map((r) => ({
      model: r.model,
      spend: Number(r.spend),
      budget_reset_at: r.budget_reset_at === '' ? null : r.budget_reset_at,
    }));
  }

  /**
   * Deletes the keys, their per-model spend and any grace-period secrets that lead to them;
   * returns how many keys.
   */
  async delete(tokens: readonly string[]): Promise<number> {
    if (tokens.length === 0) return 0;
    return transact(this.db, (trx) => deleteKeyRows(trx, tokens));
  }

  /** A page of keys, newest first by default, and how many match in all. */
  async list(query: KeyListQuery): Promise<KeyPage> {
    const filtered = this.filtered(query);
    const order = query.order ?? 'desc';
    const [rows, count] = await Promise.all([
      filtered
        .selectAll()
        .orderBy(query.sortBy ?? 'created_at', order)
        .orderBy('token', order)
        .limit(query.size)
        .offset((query.page - 1) * query.size)
        .execute(),
      filtered.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return { keys: rows.map(codec.read), total: Number(count?.n ?? 0) };
  }

  private filtered(query: KeyListQuery): SelectQueryBuilder<DatabaseSchema, 'keys', object> {
    let q = this.db.selectFrom('keys');
    const { userId, orTeamIds, orCreatedBy } = query;
    if (userId !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb('user_id', '=', userId),
          ...(orTeamIds && orTeamIds.length > 0 ? [eb('team_id', 'in', [...orTeamIds])] : []),
          ...(orCreatedBy !== undefined ? [eb('created_by', '=', orCreatedBy)] : []),
        ]),
      );
    }
    if (query.teamId !== undefined) q = q.where('team_id', '=', query.teamId);
    if (query.organizationId !== undefined) {
      q = q.where('organization_id', '=', query.organizationId);
    }
    if (query.keyAlias !== undefined) q = q.where('key_alias', '=', query.keyAlias);
    if (query.token !== undefined) q = q.where('token', '=', query.token);
    return q;
  }

  /**
   * Gives a key a new secret in one transaction: same row, settings and spend (per-model spend
   * too) under the new hash. Old secrets that were still in their grace period follow the key to its new hash.
   */
  async rotate(oldToken: string, rotation: Rotation): Promise<KeyRecord | undefined> {
    return transact(this.db, async (trx) => {
      const row = await detectUnique(() =>
        trx
          .updateTable('keys')
          .set({
            ...codec.write(rotation.patch ?? {}),
            token: rotation.token,
            key_name: rotation.key_name,
            updated_at: rotation.updated_at,
          })
          .where('token', '=', oldToken)
          .returningAll()
          .executeTakeFirst(),
      );
      if (!row) return undefined;
      await trx
        .updateTable('key_model_spend')
        .set({ token: rotation.token })
        .where('token', '=', oldToken)
        .execute();
      await trx
        .deleteFrom('deprecated_keys')
        .where('revoke_at', '<=', rotation.updated_at)
        .execute();
      await trx
        .updateTable('deprecated_keys')
        .set({ active_token: rotation.token })
        .where('active_token', '=', oldToken)
        .execute();
      if (rotation.graceUntil !== undefined) {
        await trx
          .insertInto('deprecated_keys')
          .values({ token: oldToken, active_token: rotation.token, revoke_at: rotation.graceUntil })
          .execute();
      }
      return codec.read(row);
    });
  }

  /** Where an old secret still in its grace period at `now` (ISO-8601) leads, and until when. */
  async findDeprecated(
    oldToken: string,
    now: string,
  ): Promise<{ activeToken: string; revokeAt: string } | undefined> {
    const row = await this.db
      .selectFrom('deprecated_keys')
      .select(['active_token', 'revoke_at'])
      .where('token', '=', oldToken)
      .where('revoke_at', '>', now)
      .executeTakeFirst();
    return row && { activeToken: row.active_token, revokeAt: row.revoke_at };
  }
}

/**
 * Deletes keys with what hangs off them (per-model spend, grace-period secrets), inside the
 * caller's transaction; returns how many keys. Every path that deletes keys goes through here.
 */
export async function deleteKeyRows(
  trx: Kysely<DatabaseSchema>,
  tokens: readonly string[],
): Promise<number> {
  if (tokens.length === 0) return 0;
  const list = [...tokens];
  await trx.deleteFrom('deprecated_keys').where('active_token', 'in', list).execute();
  await trx.deleteFrom('key_model_spend').where('token', 'in', list).execute();
  const result = await trx.deleteFrom('keys').where('token', 'in', list).executeTakeFirst();
  return Number(result.numDeletedRows);
}
