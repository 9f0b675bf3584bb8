/**
 * GET /audit/logs: the audit log of admin changes, newest first, paginated, for proxy admins and
 * proxy admin viewers (the `admin_read` class of the route table). Entries are shaped as
 * LiteLLM's LiteLLM_AuditLogs rows (`updated_at` is when the change was made).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditRecord } from '../store/audit-repository.js';
import type { Store } from '../store/store.js';
import { addAdminRoute, noDatabase } from './admin-route.js';
import { tokenOf } from './key-service.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` or an ISO-8601 instant. */
const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date (YYYY-MM-DD) or an ISO-8601 time');

export const AuditLogQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(50),
  object_id: z.string().min(1).optional(),
  table_name: z.string().min(1).optional(),
  action: z
    .enum(['created', 'updated', 'deleted', 'blocked', 'unblocked', 'regenerated'])
    .optional(),
  changed_by: z.string().min(1).optional(),
  /** A raw key or its SHA-256 hash. */
  changed_by_api_key: z.string().min(1).optional(),
  /** Inclusive. */
  start_date: instant.optional(),
  /** Inclusive: a date means the whole day. */
  end_date: instant.optional(),
});
export type AuditLogQuery = z.infer<typeof AuditLogQuerySchema>;

export interface AuditRouteDeps {
  /** Absent when the gateway runs without a database. */
  store?: Pick<Store, 'audit'>;
}

export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  addAdminRoute(app, {
    method: 'GET',
    url: '/audit/logs',
    input: AuditLogQuerySchema,
    handle: async (query) => {
      if (!deps.store) throw noDatabase('/audit/logs');
      const page = await deps.store.audit.list({
        page: query.page,
        size: query.page_size,
        objectId: query.object_id,
        tableName: query.table_name,
        action: query.action,
        changedBy: query.changed_by,
        changedByApiKey:
          query.changed_by_api_key === undefined ? undefined : tokenOf(query.changed_by_api_key),
        since: query.start_date === undefined ? undefined : startOf(query.start_date),
        until: query.end_date === undefined ? undefined : endOf(query.end_date),
      });
      return {
        audit_logs: page.entries.map(auditView),
        total: page.total,
        page: query.page,
        page_size: query.page_size,
        total_pages: Math.ceil(page.total / query.page_size),
      };
    },
  });
}

function startOf(text: string): string {
  return new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text).toISOString();
}

/** The first instant after the range (the store's bound is exclusive). */
function endOf(text: string): string {
  const ms = DATE_ONLY.test(text)
    ? Date.parse(`${text}T00:00:00Z`) + 86_400_000
    : Date.parse(text) + 1;
  return new Date(ms).toISOString();
}

function auditView(entry: AuditRecord): Record<string, unknown> {
  const { created_at, ...rest } = entry;
  return {
    id: rest.id,
    updated_at: created_at,
    changed_by: rest.changed_by,
    changed_by_api_key: rest.changed_by_api_key,
    action: rest.action,
    table_name: rest.table_name,
    object_id: rest.object_id,
    before_value: rest.before_value,
    updated_values: rest.updated_values,
  };
}
