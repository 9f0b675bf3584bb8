import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEnvReferences } from './resolve-env.js';

test('references are replaced at any depth, in mappings and lists', () => {
  const { value, missing } = resolveEnvReferences(
    { a: 'os.environ/A', b: { c: ['x', 'os.environ/C'] }, n: 3, t: true, z: null },
    { A: 'alpha', C: 'gamma' },
  );
  assert.deepEqual(value, { a: 'alpha', b: { c: ['x', 'gamma'] }, n: 3, t: true, z: null });
  assert.deepEqual(missing, []);
});

test('a missing variable is reported with its path and its key dropped', () => {
  const { value, missing } = resolveEnvReferences(
    { model_list: [{ litellm_params: { api_key: 'os.environ/NOPE', model: 'm' } }] },
    {},
  );
  assert.deepEqual(value, { model_list: [{ litellm_params: { model: 'm' } }] });
  assert.deepEqual(missing, [{ path: 'model_list[0].litellm_params.api_key', name: 'NOPE' }]);
});

test('an empty variable is a value, not a missing one', () => {
  const { value, missing } = resolveEnvReferences({ k: 'os.environ/EMPTY' }, { EMPTY: '' });
  assert.deepEqual(value, { k: '' });
  assert.deepEqual(missing, []);
});

test('only the exact prefix is a reference', () => {
  const { value } = resolveEnvReferences(
    { a: 'see os.environ/A', b: 'OS.ENVIRON/A' },
    { A: 'alpha' },
  );
  assert.deepEqual(value, { a: 'see os.environ/A', b: 'OS.ENVIRON/A' });
});
