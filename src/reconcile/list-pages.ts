/** Reads every page of a paginated admin list (`/user/list`, `/key/list`). */
import type { AdminTransport, QueryValue } from './admin-transport.js';

export type ApiObject = Record<string, unknown>;

export interface PagedList {
  path: string;
  /** The field holding the rows (`users`, `keys`). */
  field: string;
  /** The query parameter of the page size (`page_size`, `size`). */
  sizeParam: string;
  query?: Record<string, QueryValue>;
}

const PAGE_SIZE = 100;

export async function listAll(client: AdminTransport, list: PagedList): Promise<ApiObject[]> {
  const rows: ApiObject[] = [];
  for (let page = 1; ; page++) {
    const answer = (await client.call('GET', list.path, {
      query: { ...list.query, page, [list.sizeParam]: PAGE_SIZE },
    })) as ApiObject;
    const batch = answer[list.field];
    if (!Array.isArray(batch)) return rows;
    rows.push(...(batch as ApiObject[]));
    if (batch.length === 0 || page >= Number(answer.total_pages ?? 1)) return rows;
  }
}
