/** Reads every page of a paginated admin list, so `list` commands show everything. */
import type { AdminTransport, QueryValue } from '../reconcile/admin-transport.js';
import type { Row } from './views.js';

export interface PagedList {
  path: string;
  /** The field holding the rows (`users`, `keys`). */
  field: string;
  /** The query parameter of the page size (`page_size`, `size`). */
  sizeParam: string;
  query?: Record<string, QueryValue>;
}

const PAGE_SIZE = 100;

export async function listAll(client: AdminTransport, list: PagedList): Promise<Row[]> {
  const rows: Row[] = [];
  for (let page = 1; ; page++) {
    const answer = (await client.call('GET', list.path, {
      query: { ...list.query, page, [list.sizeParam]: PAGE_SIZE },
    })) as Record<string, unknown>;
    const batch = answer[list.field];
    if (!Array.isArray(batch)) return rows;
    rows.push(...(batch as Row[]));
    const totalPages = Number(answer.total_pages ?? 1);
    if (batch.length === 0 || page >= totalPages) return rows;
  }
}
