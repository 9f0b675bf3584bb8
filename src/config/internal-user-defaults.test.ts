import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.js';
import { loadConfigText } from './load-config.js';

function problemsOf(text: string): string[] {
  try {
    loadConfigText(text, { env: {} });
  } catch (e: unknown) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the config loaded but should have been refused');
}

describe('defaults for new internal users (litellm_settings)', () => {
  test('are read from max_internal_user_budget, internal_user_budget_duration and default_internal_user_params', () => {
    const config = loadConfigText(
      `
litellm_settings:
  max_internal_user_budget: 10
  internal_user_budget_duration: 1mo
  default_internal_user_params:
    user_role: internal_user_viewer
    max_budget: 5
    budget_duration: 7d
    models: [gpt-4o-mini]
    teams: [core, { team_id: research, max_budget_in_team: 2, user_role: admin }]
    tpm_limit: 1000
`,
      { env: {} },
    );
    assert.deepEqual(config.internalUsers, {
      maxBudget: 10,
      budgetDuration: '1mo',
      params: {
        user_role: 'internal_user_viewer',
        max_budget: 5,
        budget_duration: '7d',
        models: ['gpt-4o-mini'],
        teams: ['core', { team_id: 'research', max_budget_in_team: 2, user_role: 'admin' }],
        tpm_limit: 1000,
      },
    });
    assert.deepEqual(config.warnings, []);
  });

  test('are empty when the config sets none', () => {
    const config = loadConfigText('model_list: []', { env: {} });
    assert.deepEqual(config.internalUsers, {
      maxBudget: undefined,
      budgetDuration: undefined,
      params: {},
    });
  });

  test('refuse bad values with their path', () => {
    assert.deepEqual(
      problemsOf(`
litellm_settings:
  max_internal_user_budget: -1
`),
      ['litellm_settings.max_internal_user_budget: Too small: expected number to be >=0'],
    );
    assert.deepEqual(
      problemsOf(`
litellm_settings:
  internal_user_budget_duration: monthly-ish
  default_internal_user_params:
    budget_duration: "30"
`),
      [
        'litellm_settings.internal_user_budget_duration: Invalid duration format, passed duration: monthly-ish',
        'litellm_settings.default_internal_user_params.budget_duration: Unsupported duration unit, passed duration: 30',
      ],
    );
    const [role] = problemsOf(`
litellm_settings:
  default_internal_user_params:
    user_role: superuser
`);
    assert.match(role ?? '', /^litellm_settings\.default_internal_user_params\.user_role: /);
  });

  test('warn once about default_internal_user_params keys Tollgate does not act on', () => {
    const config = loadConfigText(
      `
litellm_settings:
  default_internal_user_params:
    available_teams: [open-team]
    future_setting: 1
`,
      { env: {} },
    );
    assert.deepEqual(config.internalUsers.params.available_teams, ['open-team']);
    assert.deepEqual(config.warnings, [
      'litellm_settings.default_internal_user_params.future_setting: not supported by Tollgate yet; ignored',
    ]);
  });
});
