/**
 * The /organization/* routes while PostgreSQL is down: an answer in the error shape, nothing
 * written halfway, the gateway still up, and the same call working once the database is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/store/open-database.js';
import { createStore, type Store } from '../src/store/store.js';
import { adminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  privatePostgresSkip,
  startPrivatePostgres,
  type PrivatePostgres,
} from './helpers/private-postgres.js';

const skip = privatePostgresSkip();

const CONFIG = {
  model_list: [{ model_name: 'm', litellm_params: { model: 'mock/m' } }],
  general_settings: { master_key: MASTER_KEY },
};

describe('organizations through a database outage', { skip }, () => {
  let server: PrivatePostgres;
  let store: Store;
  let gateway: TestGateway;

  before(async () => {
    server = await startPrivatePostgres();
    store = createStore(await openDatabase(server.url));
    gateway = await startGateway(CONFIG, { store });
  });
  after(async () => {
    await gateway?.close();
    await store?.close();
    await server?.destroy();
  });

  it('answers an error while PostgreSQL is down, writes nothing, and works once it is back', async () => {
    const api = adminClient(gateway.url, MASTER_KEY);
    await server.stop();
    const body = { organization_id: 'outage-org', organization_alias: 'outage', max_budget: 5 };
    const down = await api.post('/organization/new', body);
    assert.ok(down.status >= 500, `status ${down.status}`);
    assert.equal(typeof down.body.error.message, 'string');
    const list = await api.get('/organization/list');
    assert.ok(list.status >= 500, `status ${list.status}`);
    assert.equal((await fetch(`${gateway.url}/health/liveliness`)).status, 200);

    await server.start();
    let created = await api.post('/organization/new', body);
    // The pool may hand out one connection that died with the server before it notices.
    if (created.status >= 500) created = await api.post('/organization/new', body);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const info = await api.get('/organization/info?organization_id=outage-org');
    assert.equal(info.body.litellm_budget_table.max_budget, 5);
    assert.equal((await api.get('/budget/list')).body.length, 1, 'no budget left from the outage');
  });
});
