/** Reads what the gateway holds now: every user, team (with its members) and key. */
import type { AdminTransport } from './admin-transport.js';
import { listAll, type ApiObject } from './list-pages.js';

export type { ApiObject };

export interface Observed {
  users: ApiObject[];
  teams: ApiObject[];
  keys: ApiObject[];
}

export async function observe(transport: AdminTransport): Promise<Observed> {
  const [users, teams, keys] = await Promise.all([
    listAll(transport, { path: '/user/list', field: 'users', sizeParam: 'page_size' }),
    transport.call('GET', '/team/list'),
    listAll(transport, {
      path: '/key/list',
      field: 'keys',
      sizeParam: 'size',
      query: { return_full_object: true },
    }),
  ]);
  return { users, teams: Array.isArray(teams) ? (teams as ApiObject[]) : [], keys };
}
