/**
 * A gateway on a fresh store for one `describe`: started before its tests, closed (with its
 * store) after them. `gatewayOn` takes the database (suites that run on each);
 * `gatewayOnSqlite` is for suites whose behaviour does not depend on the database.
 */
import { after, before } from 'node:test';
import { adminClient, type AdminClient } from './admin-client.js';
import { testDatabases, type OpenedTestStore, type TestDatabase } from './databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './gateway.js';

export interface SqliteGateway {
  readonly gateway: TestGateway;
  /** An admin client with the master key. */
  readonly api: AdminClient;
  readonly opened: OpenedTestStore;
}

/** Call inside `describe`: registers the hooks and returns the gateway once they have run. */
export function gatewayOnSqlite(config: Record<string, unknown>): SqliteGateway {
  return gatewayOn(async () => {
    const [sqlite] = await testDatabases();
    return sqlite!;
  }, config);
}

/** The same on `database` (or the one it resolves to). */
export function gatewayOn(
  database: TestDatabase | (() => Promise<TestDatabase>),
  config: Record<string, unknown>,
): SqliteGateway {
  let opened: OpenedTestStore | undefined;
  let gateway: TestGateway | undefined;
  let api: AdminClient | undefined;
  before(async () => {
    const chosen = typeof database === 'function' ? await database() : database;
    opened = await chosen.open();
    gateway = await startGateway(config, { store: opened.store });
    api = adminClient(gateway.url, MASTER_KEY);
  });
  after(async () => {
    await gateway?.close();
    await opened?.close();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the gateway is started by the before hook');
    return value;
  };
  return {
    get gateway() {
      return ready(gateway);
    },
    get api() {
      return ready(api);
    },
    get opened() {
      return ready(opened);
    },
  };
}
