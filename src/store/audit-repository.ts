/**
 * The audit log (LiteLLM's LiteLLM_AuditLogs): one row per change an admin made to a key, user,
 * team, team membership or customer: who (user id and the SHA-256 of the key used), what
 * (action, table, object id), when, and the row before and after with secrets removed. Rows are
 * written by the audited repositories (audited-repositories.ts) in the transaction of the change.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditLogTable, DatabaseSchema } from './schema.js';

export type AuditAction =
  'created' | 'updated' | 'deleted' | 'blocked' | 'unblocked' | 'regenerated';

export interface AuditRecord {
  /** Time-ordered (UUIDv7): sorting by id sorts by time, and keeps a transaction's order. */
  id: string;
  /** ISO-8601 UTC. */
  created_at: string;
  /** The acting user's id (`default_user_id` for the master key), or null. */
  changed_by: string | null;
  /** SHA-256 hex of the key the change was made with; never a raw key. */
  changed_by_api_key: string | null;
  action: AuditAction;
  table_name: string;
  object_id: string;
  before_value: Record<string, unknown> | null;
  updated_values: Record<string, unknown> | null;
}

export interface AuditQuery {
  /** 1-based. */
  page: number;
  size: number;
  objectId?: string;
  tableName?: string;
  action?: string;
  changedBy?: string;
  changedByApiKey?: string;
  /** ISO-8601, inclusive. */
  since?: string;
  /** ISO-8601, exclusive. */
  until?: string;
}

export interface AuditPage {
  entries: AuditRecord[];
  total: number;
}

let lastMs = 0;
let sequence = 0;

/** A UUIDv7: 48 bits of milliseconds, then a counter within the millisecond, then random bits. */
export function auditId(ms: number): string {
  if (ms <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
  } else {
    lastMs = ms;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toRow(record: AuditRecord): AuditLogTable {
  return {
    ...record,
    before_value: record.before_value === null ? null : JSON.stringify(record.before_value),
    updated_values: record.updated_values === null ? null : JSON.stringify(record.updated_values),
  };
}

function fromRow(row: AuditLogTable): AuditRecord {
  return {
    ...row,
    action: row.action as AuditAction,
    before_value: row.before_value === null ? null : (JSON.parse(row.before_value) as never),
    updated_values: row.updated_values === null ? null : (JSON.parse(row.updated_values) as never),
  };
}

export class AuditRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async record(entries: readonly AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.insertInto('audit_log').values(entries.map(toRow)).execute();
  }

  /** A page of entries, newest first, and how many match in all. */
  async list(query: AuditQuery): Promise<AuditPage> {
    let q = this.db.selectFrom('audit_log');
    if (query.objectId !== undefined) q = q.where('object_id', '=', query.objectId);
    if (query.tableName !== undefined) q = q.where('table_name', '=', query.tableName);
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.changedBy !== undefined) q = q.where('changed_by', '=', query.changedBy);
    if (query.changedByApiKey !== undefined) {
      q = q.where('changed_by_api_key', '=', query.changedByApiKey);
    }
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    if (query.until !== undefined) q = q.where('created_at', '<', query.until);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('id', 'desc')
        .limit(query.size)
        .offset((query.page - 1) * query.size)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return { entries: rows.map(fromRow), total: Number(count?.n ?? 0) };
  }
}
