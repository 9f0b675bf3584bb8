/** For config tests: a config section loaded from its YAML, and the problems of one refused. */
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigText } from '../../src/config/load-config.js';
import type { GatewayConfig } from '../../src/config/gateway-config.js';

type Env = Record<string, string | undefined>;

/** Loads `body` (indented YAML) as the config's `section`. */
export function loadSection(section: string, body: string, env: Env = {}): GatewayConfig {
  return loadConfigText(`${section}:\n${body}`, { env });
}

/** The problems of a section that must be refused; fails the test when it loads. */
export function sectionProblems(section: string, body: string, env: Env = {}): string[] {
  try {
    loadSection(section, body, env);
  } catch (e: unknown) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the config loaded but should have been refused');
}
