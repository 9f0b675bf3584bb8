import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { testDeployment } from '../../../test/helpers/test-deployment.js';
import type { RouterConfig } from '../../config/gateway-config.js';
import { CredentialCipher } from '../../store/credential-cipher.js';
import type { ModelRecord, ModelRepository } from '../../store/model-repository.js';
import { DatabaseModels, liveModelDirectory } from './database-models.js';
import { DeploymentHealth } from './deployment-health.js';
import { ModelCatalog } from './model-catalog.js';
import { Router } from './router.js';

const cipher = new CredentialCipher('unit-salt');

function record(id: string, name: string, at = '2026-01-01T00:00:00.000Z'): ModelRecord {
  return {
    model_id: id,
    model_name: name,
    litellm_params: cipher.sealParams({ model: `mock/${name}`, api_key: 'sk-x' }),
    model_info: { id, access_groups: ['g'] },
    created_by: null,
    updated_by: null,
    created_at: at,
    updated_at: at,
  };
}

function fakeRepository(rows: ModelRecord[]): ModelRepository & { reads: number } {
  const repo = {
    reads: 0,
    fingerprint: async () => rows.map((r) => `${r.model_id}@${r.updated_at}`).join('\n'),
    list: async () => {
      repo.reads++;
      return [...rows];
    },
  };
  return repo as unknown as ModelRepository & { reads: number };
}

const warnings: string[] = [];
const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;

describe('DatabaseModels', () => {
  it('swaps in a catalog of config + database models; health kept by id; reloads only on change', async () => {
    const config = testDeployment('mock', 'cfg', { id: 'cfg-1', modelName: 'cfg' });
    const health = new DeploymentHealth({ allowedFails: 0, cooldownMs: 60_000 }, () => 1000);
    const router = new Router(
      new ModelCatalog([config]),
      health,
      { numRetries: 0 } as RouterConfig,
      { sleep: async () => undefined },
    );
    health.recordFailure(config, 'rate_limit', 2);
    assert.ok(health.isCoolingDown(config));
    const rows = [record('db-1', 'alpha')];
    const repo = fakeRepository(rows);
    const models = new DatabaseModels({
      repository: repo,
      cipher,
      configDeployments: [config],
      aliases: new Map(),
      env: {},
      install: (c) => router.replaceCatalog(c),
      logger,
      pollMs: 1000,
    });
    const directory = liveModelDirectory(() => router.catalog);
    assert.deepEqual(directory.names, ['cfg']);
    const before = router.catalog;
    await models.refresh();
    assert.notEqual(router.catalog, before);
    assert.deepEqual(router.catalog.publicModelNames(), ['cfg', 'alpha']);
    const alpha = router.catalog.resolve('alpha')?.deployments[0];
    assert.equal(alpha?.apiKey, 'sk-x');
    assert.equal(alpha?.modelInfo.db_model, true);
    assert.deepEqual(directory.names, ['cfg', 'alpha']);
    assert.deepEqual(directory.accessGroups.get('g'), ['alpha']);
    assert.ok(health.isCoolingDown(router.catalog.resolve('cfg')!.deployments[0]!));

    await models.refresh();
    assert.equal(repo.reads, 1, 'unchanged table: not read again');
    rows.splice(0, 1, record('db-1', 'beta', '2026-01-01T00:00:01.000Z'));
    await models.refresh();
    assert.deepEqual(router.catalog.publicModelNames(), ['cfg', 'beta']);
    assert.equal(router.catalog.resolve('alpha'), undefined);
  });

  it('skips, with a warning, models it cannot decrypt or validate, and ids of config models', async () => {
    warnings.length = 0;
    const other = new CredentialCipher('another-salt');
    const rows = [
      {
        ...record('db-1', 'locked'),
        litellm_params: other.sealParams({ model: 'mock/x', api_key: 'k' }),
      },
      { ...record('db-2', 'bad'), litellm_params: cipher.sealParams({ model: 'nosuch/x' }) },
      record('cfg-1', 'shadow'),
      record('db-3', 'fine'),
    ];
    let installed: ModelCatalog | undefined;
    const models = new DatabaseModels({
      repository: fakeRepository(rows),
      cipher,
      configDeployments: [testDeployment('mock', 'cfg', { id: 'cfg-1', modelName: 'cfg' })],
      aliases: new Map(),
      env: {},
      install: (c) => {
        installed = c;
      },
      logger,
      pollMs: 1000,
    });
    await models.refresh();
    assert.deepEqual(installed?.publicModelNames(), ['cfg', 'fine']);
    assert.equal(warnings.length, 3);
    assert.match(warnings.join('\n'), /cannot be decrypted/);
    assert.match(warnings.join('\n'), /not valid/);
    assert.match(warnings.join('\n'), /config file/);
  });
});
