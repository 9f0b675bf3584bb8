import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenDefaults } from './listen-defaults.js';

test('PORT and HOST give the defaults; set to nothing they count as unset', () => {
  assert.deepEqual(listenDefaults({}), { port: '4000', host: '0.0.0.0' });
  assert.deepEqual(listenDefaults({ PORT: '8080', HOST: '127.0.0.1' }), {
    port: '8080',
    host: '127.0.0.1',
  });
  assert.deepEqual(listenDefaults({ PORT: '', HOST: '' }), { port: '4000', host: '0.0.0.0' });
  assert.deepEqual(listenDefaults({ PORT: '  ', HOST: ' ' }), { port: '4000', host: '0.0.0.0' });
});
