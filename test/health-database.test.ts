/** /health/readiness reports the store as LiteLLM does: connected, disconnected, Not connected. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testDatabases } from './helpers/databases.js';
import { startGateway } from './helpers/gateway.js';

async function readinessDb(url: string): Promise<unknown> {
  const body = (await (await fetch(`${url}/health/readiness`)).json()) as { db: unknown };
  return body.db;
}

for (const database of await testDatabases()) {
  describe(`readiness on ${database.name}`, { skip: database.skip }, () => {
    it('says connected while the store answers and disconnected once it does not', async () => {
      const opened = await database.open();
      const gateway = await startGateway({}, { store: opened.store });
      try {
        assert.equal(await readinessDb(gateway.url), 'connected');
        await opened.store.close();
        assert.equal(await readinessDb(gateway.url), 'disconnected');
      } finally {
        await gateway.close();
        await opened.close();
      }
    });
  });
}

describe('readiness without a store', () => {
  it('says Not connected', async () => {
    const gateway = await startGateway({});
    try {
      assert.equal(await readinessDb(gateway.url), 'Not connected');
    } finally {
      await gateway.close();
    }
  });
});
