import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logLevelFrom } from './logger.js';

describe('log level from the environment', () => {
  test('reads LiteLLM names and pino names, TOLLGATE_LOG_LEVEL first', () => {
    assert.equal(logLevelFrom({}), 'info');
    assert.equal(logLevelFrom({ LITELLM_LOG: 'DEBUG' }), 'debug');
    assert.equal(logLevelFrom({ LITELLM_LOG: 'WARNING' }), 'warn');
    assert.equal(logLevelFrom({ LITELLM_LOG: 'ERROR', TOLLGATE_LOG_LEVEL: 'silent' }), 'silent');
  });

  test('an unknown level is one clear sentence naming the variable', () => {
    assert.throws(
      () => logLevelFrom({ LITELLM_LOG: 'VERBOSE' }),
      /^Error: LITELLM_LOG=VERBOSE is not a log level; use DEBUG, INFO, WARNING or ERROR/,
    );
  });
});
