import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testDeployment } from '../../../test/helpers/test-deployment.js';
import type { AliasTarget } from '../../config/gateway-config.js';
import { ModelCatalog } from './model-catalog.js';

const gpt = testDeployment('openai', 'gpt-4o', { id: 'gpt-a', modelName: 'gpt-4o' });
const gptB = testDeployment('azure', 'gpt4o-dep', { id: 'gpt-b', modelName: 'gpt-4o' });
const openaiAny = testDeployment('openai', '*', { id: 'openai-any', modelName: 'openai/*' });
const groqAny = testDeployment('groq', 'llama-*', { id: 'groq-llama', modelName: 'groq/llama-*' });
const anything = testDeployment('openai', '*', { id: 'any', modelName: '*' });
const fixed = testDeployment('anthropic', 'claude-sonnet-4-5', {
  id: 'fixed',
  modelName: 'claude-*',
});

function aliases(entries: Record<string, AliasTarget>): Map<string, AliasTarget> {
  return new Map(Object.entries(entries));
}

describe('resolve', () => {
  test('an exact group returns all its deployments', () => {
    const catalog = new ModelCatalog([gpt, gptB, anything]);
    const resolved = catalog.resolve('gpt-4o');
    assert.equal(resolved?.group, 'gpt-4o');
    assert.deepEqual(
      resolved?.deployments.map((d) => d.id),
      ['gpt-a', 'gpt-b'],
    );
  });

  test('an unknown name with no wildcard is undefined', () => {
    assert.equal(new ModelCatalog([gpt]).resolve('gpt-5'), undefined);
  });

  test('openai/* substitutes the requested model into the deployment', () => {
    const resolved = new ModelCatalog([openaiAny]).resolve('openai/gpt-4.1-mini');
    assert.equal(resolved?.group, 'openai/gpt-4.1-mini');
    assert.equal(resolved?.deployments.length, 1);
    assert.equal(resolved?.deployments[0]?.model, 'gpt-4.1-mini');
    assert.equal(resolved?.deployments[0]?.modelName, 'openai/gpt-4.1-mini');
    assert.equal(resolved?.deployments[0]?.id, 'openai-any');
    // The catalog's own deployment is not changed by a request.
    assert.equal(openaiAny.model, '*');
  });

  test('a star inside the model name takes just the matched part', () => {
    const resolved = new ModelCatalog([groqAny]).resolve('groq/llama-3.3-70b');
    assert.equal(resolved?.deployments[0]?.model, 'llama-3.3-70b');
  });

  test('* matches any name and passes it through whole', () => {
    const resolved = new ModelCatalog([anything]).resolve('some-model');
    assert.equal(resolved?.group, 'some-model');
    assert.equal(resolved?.deployments[0]?.model, 'some-model');
  });

  test('a wildcard group whose deployment names a fixed model keeps that model', () => {
    const resolved = new ModelCatalog([fixed]).resolve('claude-anything');
    assert.equal(resolved?.deployments[0]?.model, 'claude-sonnet-4-5');
  });

  test('exact groups win over wildcards, and specific wildcards over *', () => {
    const catalog = new ModelCatalog([anything, openaiAny, gpt]);
    assert.deepEqual(
      catalog.resolve('gpt-4o')?.deployments.map((d) => d.id),
      ['gpt-a'],
    );
    assert.deepEqual(
      catalog.resolve('openai/o3')?.deployments.map((d) => d.id),
      ['openai-any'],
    );
    assert.deepEqual(
      catalog.resolve('mistral-large')?.deployments.map((d) => d.id),
      ['any'],
    );
  });

  test('regex characters in a group name are literal', () => {
    const dotted = testDeployment('openai', '*', { id: 'dot', modelName: 'v1.0/*' });
    const catalog = new ModelCatalog([dotted]);
    assert.ok(catalog.resolve('v1.0/x'));
    assert.equal(catalog.resolve('v1x0/x'), undefined);
  });

  test('an alias routes to its target group, hidden or not', () => {
    const catalog = new ModelCatalog(
      [gpt],
      aliases({
        gpt4: { model: 'gpt-4o', hidden: false },
        secret: { model: 'gpt-4o', hidden: true },
      }),
    );
    assert.equal(catalog.resolve('gpt4')?.group, 'gpt-4o');
    assert.equal(catalog.resolve('secret')?.group, 'gpt-4o');
    assert.deepEqual(
      catalog.resolve('secret')?.deployments.map((d) => d.id),
      ['gpt-a'],
    );
  });

  test('an alias may target a name served by a wildcard', () => {
    const catalog = new ModelCatalog(
      [openaiAny],
      aliases({ fast: { model: 'openai/gpt-4o-mini', hidden: false } }),
    );
    assert.equal(catalog.resolve('fast')?.deployments[0]?.model, 'gpt-4o-mini');
  });
});

describe('listing', () => {
  test('public names: groups, wildcards, then visible aliases only', () => {
    const catalog = new ModelCatalog(
      [gpt, gptB, openaiAny],
      aliases({
        gpt4: { model: 'gpt-4o', hidden: false },
        secret: { model: 'gpt-4o', hidden: true },
        'gpt-4o': { model: 'gpt-4o', hidden: false },
      }),
    );
    assert.deepEqual(catalog.publicModelNames(), ['gpt-4o', 'openai/*', 'gpt4']);
  });

  test('allDeployments and deploymentsOf return the configured deployments', () => {
    const catalog = new ModelCatalog(
      [gpt, openaiAny, gptB],
      aliases({ gpt4: { model: 'gpt-4o', hidden: true } }),
    );
    assert.deepEqual(
      catalog.allDeployments().map((d) => d.id),
      ['gpt-a', 'gpt-b', 'openai-any'],
    );
    assert.deepEqual(
      catalog.deploymentsOf('gpt4').map((d) => d.id),
      ['gpt-a', 'gpt-b'],
    );
    assert.equal(catalog.deploymentsOf('openai/*')[0]?.model, '*');
    assert.deepEqual(catalog.deploymentsOf('nope'), []);
  });
});
