import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.js';
import { buildConfig, loadConfigFile, loadConfigText } from './load-config.js';

/** The problems of a config that must be refused; fails the test when it loads. */
function problemsOf(text: string, env: Record<string, string | undefined> = {}): string[] {
  try {
    loadConfigText(text, { env });
  } catch (e: unknown) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the config loaded but should have been refused');
}

/** Every LiteLLM key the issue lists, as an operator would write it. */
const FULL_CONFIG = `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_base: https://proxy.example.com/v1
      api_key: os.environ/TEST_OPENAI_KEY
      api_version: "2024-10-21"
      organization: org-acme
      rpm: 600
      tpm: 90000
      weight: 3
      timeout: 30
      stream_timeout: 12.5
      max_retries: 2
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      extra_headers:
        X-Team: blue
      temperature: 0.2
    model_info:
      id: gpt4o-east
      access_groups: [beta, internal]
      mode: chat
      base_model: gpt-4o-2024-08-06
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_KEY_FROM_CONFIG
general_settings:
  master_key: sk-master-1234
  database_url: postgresql://u:p@db:5432/litellm
litellm_settings:
  drop_params: true
  num_retries: 1
  request_timeout: 90
  fallbacks: [{gpt-4o: [claude]}]
  context_window_fallbacks: [{gpt-4o: [claude]}]
router_settings:
  routing_strategy: latency-based-routing
  num_retries: 4
  allowed_fails: 2
  cooldown_time: 45
  fallbacks: [{claude: [gpt-4o]}]
  timeout: 20
  model_group_alias:
    gpt4: gpt-4o
    internal-claude: {model: claude, hidden: true}
environment_variables:
  ANTHROPIC_KEY_FROM_CONFIG: sk-ant-from-config
`;

describe('a full LiteLLM config', () => {
  const env: Record<string, string | undefined> = { TEST_OPENAI_KEY: 'sk-openai-env' };
  const config = loadConfigText(FULL_CONFIG, { env });
  const [gpt, claude] = config.deployments;

  test('maps every litellm_params key onto the deployment', () => {
    assert.ok(gpt);
    assert.equal(gpt.modelName, 'gpt-4o');
    assert.equal(gpt.provider, 'openai');
    assert.equal(gpt.model, 'gpt-4o');
    assert.equal(gpt.apiBase, 'https://proxy.example.com/v1');
    assert.equal(gpt.apiKey, 'sk-openai-env');
    assert.equal(gpt.apiVersion, '2024-10-21');
    assert.equal(gpt.organization, 'org-acme');
    assert.equal(gpt.rpm, 600);
    assert.equal(gpt.tpm, 90000);
    assert.equal(gpt.weight, 3);
    assert.equal(gpt.timeoutMs, 30_000);
    assert.equal(gpt.streamTimeoutMs, 12_500);
    assert.equal(gpt.maxRetries, 2);
    assert.equal(gpt.inputCostPerToken, 0.0000025);
    assert.equal(gpt.outputCostPerToken, 0.00001);
    assert.deepEqual(gpt.headers, { 'X-Team': 'blue' });
    // Request parameters in litellm_params become defaults the client may override.
    assert.deepEqual(gpt.defaults, { temperature: 0.2 });
  });

  test('maps model_info', () => {
    assert.ok(gpt);
    assert.equal(gpt.id, 'gpt4o-east');
    assert.deepEqual(gpt.modelInfo, {
      id: 'gpt4o-east',
      access_groups: ['beta', 'internal'],
      mode: 'chat',
      base_model: 'gpt-4o-2024-08-06',
    });
  });

  test('resolves os.environ references from environment_variables', () => {
    assert.ok(claude);
    assert.equal(claude.provider, 'anthropic');
    assert.equal(claude.apiKey, 'sk-ant-from-config');
    assert.equal(env.ANTHROPIC_KEY_FROM_CONFIG, 'sk-ant-from-config');
  });

  test('maps general_settings and litellm_settings', () => {
    assert.equal(config.masterKey, 'sk-master-1234');
    assert.equal(config.databaseUrl, 'postgresql://u:p@db:5432/litellm');
    assert.equal(config.dropParams, true);
  });

  test('router_settings win over litellm_settings', () => {
    const r = config.router;
    assert.equal(r.strategy, 'latency-based-routing');
    assert.equal(r.numRetries, 4);
    assert.equal(r.allowedFails, 2);
    assert.equal(r.cooldownMs, 45_000);
    assert.equal(r.timeoutMs, 20_000);
    assert.deepEqual([...r.fallbacks], [['claude', ['gpt-4o']]]);
    assert.deepEqual([...r.contextWindowFallbacks], [['gpt-4o', ['claude']]]);
    assert.deepEqual(
      [...r.modelGroupAlias],
      [
        ['gpt4', { model: 'gpt-4o', hidden: false }],
        ['internal-claude', { model: 'claude', hidden: true }],
      ],
    );
  });

  test('warns about nothing: every key of this config is acted on, database_url included', () => {
    assert.deepEqual(config.warnings, []);
  });

  test("says where keys live when a config names LiteLLM's DynamoDB store", () => {
    const dynamo = buildConfig(
      {
        general_settings: {
          master_key: 'sk-1234',
          database_type: 'dynamo_db',
          database_args: { billing_mode: 'PAY_PER_REQUEST', region_name: 'us-west-2' },
        },
      },
      {},
    );
    assert.deepEqual(dynamo.warnings, [
      'general_settings.database_type: DynamoDB (LiteLLM v1.16 beta) is not a store Tollgate ' +
        'uses; keys, users and spend are kept in the SQLite file (./tollgate.db by default) or ' +
        'in PostgreSQL (DATABASE_URL or general_settings.database_url); database_type and ' +
        'database_args are ignored',
    ]);
    assert.equal(dynamo.masterKey, 'sk-1234');
  });

  test('DATABASE_URL (or TOLLGATE_DATABASE_URL) names the database when the config does not', () => {
    assert.equal(
      buildConfig({}, { DATABASE_URL: 'sqlite:/tmp/a.db' }).databaseUrl,
      'sqlite:/tmp/a.db',
    );
    assert.equal(
      buildConfig({}, { TOLLGATE_DATABASE_URL: 'postgresql://db/x' }).databaseUrl,
      'postgresql://db/x',
    );
    assert.equal(buildConfig({}, {}).databaseUrl, undefined);
    assert.equal(
      buildConfig({ general_settings: { database_url: 'none' } }, { DATABASE_URL: 'sqlite:x' })
        .databaseUrl,
      'none',
    );
  });
});

describe('settings fall back', () => {
  test('litellm_settings supply retries, timeout and fallbacks when router_settings do not', () => {
    const config = loadConfigText(
      `
litellm_settings:
  num_retries: 3
  request_timeout: 90
  fallbacks: [{a: [b, c]}]
  default_fallbacks: [d]
`,
      { env: {} },
    );
    assert.equal(config.router.numRetries, 3);
    assert.equal(config.router.timeoutMs, 90_000);
    assert.deepEqual(config.router.fallbacks.get('a'), ['b', 'c']);
    assert.deepEqual(config.router.defaultFallbacks, ['d']);
  });

  test('defaults: simple-shuffle, no retries, 3 allowed fails, 5 s cooldown, 600 s timeout', () => {
    const config = loadConfigText('', { env: {} });
    assert.deepEqual(config.deployments, []);
    assert.equal(config.masterKey, undefined);
    assert.equal(config.dropParams, false);
    assert.equal(config.router.strategy, 'simple-shuffle');
    assert.equal(config.router.numRetries, 0);
    assert.equal(config.router.allowedFails, 3);
    assert.equal(config.router.cooldownMs, 5_000);
    assert.equal(config.router.timeoutMs, 600_000);
    assert.deepEqual(config.warnings, []);
  });
});

describe('os.environ references', () => {
  test('are resolved nested in mappings and inside lists', () => {
    const config = loadConfigText(
      `
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      extra_headers:
        X-Tenant: os.environ/TENANT
router_settings:
  fallbacks:
    - a: [os.environ/FALLBACK_GROUP]
`,
      { env: { TENANT: 'acme', FALLBACK_GROUP: 'b' } },
    );
    assert.deepEqual(config.deployments[0]?.headers, { 'X-Tenant': 'acme' });
    assert.deepEqual(config.router.fallbacks.get('a'), ['b']);
  });

  test('a missing variable is a warning with its path, and the provider default applies', () => {
    const config = loadConfigText(
      `
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/NOT_SET_ANYWHERE
`,
      { env: { OPENAI_API_KEY: 'sk-default' } },
    );
    assert.deepEqual(config.warnings, [
      'model_list[0].litellm_params.api_key: environment variable NOT_SET_ANYWHERE is not set',
    ]);
    assert.equal(config.deployments[0]?.apiKey, 'sk-default');
  });

  test('a missing variable where a value is required refuses with the variable name', () => {
    assert.deepEqual(
      problemsOf(`
model_list:
  - model_name: a
    litellm_params:
      model: os.environ/MODEL_NOT_SET
`),
      ['model_list[0].litellm_params.model: environment variable MODEL_NOT_SET is not set'],
    );
    assert.deepEqual(problemsOf('router_settings:\n  fallbacks: [{a: [os.environ/NOPE]}]\n'), [
      'router_settings.fallbacks[0].a[0]: environment variable NOPE is not set',
    ]);
  });

  test('environment_variables values of any scalar type become strings', () => {
    const env: Record<string, string | undefined> = {};
    const config = loadConfigText(
      `
environment_variables:
  RETRIES: 2
  VERBOSE: true
model_list:
  - model_name: a
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/RETRIES
`,
      { env },
    );
    assert.equal(env.RETRIES, '2');
    assert.equal(env.VERBOSE, 'true');
    assert.equal(config.deployments[0]?.apiKey, '2');
  });
});

describe('master key', () => {
  test('LITELLM_MASTER_KEY is used when the config has none', () => {
    const config = loadConfigText('model_list: []', { env: { LITELLM_MASTER_KEY: 'sk-env' } });
    assert.equal(config.masterKey, 'sk-env');
  });

  test('the config master_key wins over LITELLM_MASTER_KEY', () => {
    const config = loadConfigText('general_settings: {master_key: sk-file}', {
      env: { LITELLM_MASTER_KEY: 'sk-env' },
    });
    assert.equal(config.masterKey, 'sk-file');
  });

  test('an os.environ master key is resolved', () => {
    const config = loadConfigText('general_settings: {master_key: os.environ/MK}', {
      env: { MK: 'sk-from-var' },
    });
    assert.equal(config.masterKey, 'sk-from-var');
  });

  test('a blank master key is refused', () => {
    assert.deepEqual(problemsOf('general_settings: {master_key: "   "}'), [
      'general_settings.master_key: must not be empty',
    ]);
  });
});

describe('keys Tollgate does not act on', () => {
  test('give exactly one warning each, with their path, and do not refuse the config', () => {
    const config = loadConfigText(
      `
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: a1, max_tokens: 4096, custom_flag: 1}
    tpm_extra: 5
general_settings:
  alerting: [pagerduty]
  alert_types: [budget_alerts, llm_exceptions]
litellm_settings:
  success_callback: [langfuse]
  cache: true
  cache_params: {type: s3, s3_bucket_name: b}
router_settings:
  enable_pre_call_checks: true
mcp_servers: {}
`,
      { env: {} },
    );
    const expected = [
      'mcp_servers',
      'general_settings.alerting',
      'general_settings.alert_types',
      'litellm_settings.success_callback',
      'litellm_settings.cache_params.type',
      'litellm_settings.cache_params.s3_bucket_name',
      'router_settings.enable_pre_call_checks',
      'model_list[0].tpm_extra',
      'model_list[0].model_info.custom_flag',
    ];
    for (const path of expected) {
      const matching = config.warnings.filter((w) => w.startsWith(`${path}:`));
      assert.equal(matching.length, 1, `one warning for ${path}, got ${JSON.stringify(matching)}`);
    }
    assert.equal(config.warnings.length, expected.length, config.warnings.join('\n'));
    // model_info keys that describe the model are shown in /model/info, not warned about.
    assert.ok(!config.warnings.some((w) => w.includes('max_tokens')));
    assert.equal(config.deployments[0]?.modelInfo.custom_flag, 1);
  });
});

describe('empty input', () => {
  test('an empty file, a comment-only file and null sections all load', () => {
    for (const text of [
      '',
      '# nothing yet\n',
      'model_list:\ngeneral_settings:\nlitellm_settings:\nrouter_settings:\nenvironment_variables:\n',
    ]) {
      const config = loadConfigText(text, { env: {} });
      assert.deepEqual(config.deployments, []);
      assert.deepEqual(config.warnings, []);
    }
  });

  test('an empty model_info on an entry is accepted', () => {
    const config = loadConfigText(
      'model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n    model_info:\n',
      { env: {} },
    );
    assert.equal(config.deployments.length, 1);
    assert.deepEqual(config.deployments[0]?.modelInfo.access_groups, []);
  });
});

describe('invalid configs are refused with the exact path', () => {
  const three = (third: string) => `
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
  - model_name: b
    litellm_params: {model: openai/gpt-4o-mini}
  - model_name: c
    litellm_params: {model: ${third}}
`;

  test('an unknown provider, with a did-you-mean', () => {
    assert.deepEqual(problemsOf(three('opnai/gpt-4o')), [
      'model_list[2].litellm_params.model: unknown provider "opnai" (did you mean "openai"?)',
    ]);
  });

  test('an unknown provider far from any known one, without a hint', () => {
    assert.deepEqual(problemsOf(three('zzqqxxyy/m')), [
      'model_list[2].litellm_params.model: unknown provider "zzqqxxyy"',
    ]);
  });

  test('a bare model name whose provider cannot be inferred', () => {
    const [problem] = problemsOf(three('mystery-model'));
    assert.match(
      problem ?? '',
      /^model_list\[2\]\.litellm_params\.model: cannot tell the provider/,
    );
    assert.match(problem ?? '', /"openai\/mystery-model"/);
  });

  test('a negative rpm', () => {
    const [problem, ...rest] = problemsOf(
      'model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o, rpm: -5}\n',
    );
    assert.deepEqual(rest, []);
    assert.match(problem ?? '', /^model_list\[0\]\.litellm_params\.rpm: .*>0/);
  });

  test('wrong types, each with its own path', () => {
    const problems = problemsOf(`
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o, timeout: soon, weight: heavy}
litellm_settings:
  drop_params: "yes"
router_settings:
  num_retries: 1.5
  model_group_alias: {x: 3}
general_settings: [not, a, mapping]
`);
    const paths = problems.map((p) => p.slice(0, p.indexOf(':')));
    assert.deepEqual(paths.sort(), [
      'general_settings',
      'litellm_settings.drop_params',
      'model_list[0].litellm_params.timeout',
      'model_list[0].litellm_params.weight',
      'router_settings.model_group_alias.x',
      'router_settings.num_retries',
    ]);
    assert.ok(problems.some((p) => /timeout: .*expected number, received string/.test(p)));
  });

  test('a bad routing_strategy lists the valid ones', () => {
    const [problem] = problemsOf('router_settings: {routing_strategy: fastest}');
    assert.match(problem ?? '', /^router_settings\.routing_strategy: /);
    assert.match(problem ?? '', /"simple-shuffle"/);
    assert.match(problem ?? '', /"usage-based-routing-v2"/);
  });

  test('an api_base that is not a URL', () => {
    const [problem] = problemsOf(
      'model_list:\n  - model_name: a\n    litellm_params: {model: openai/x, api_base: "not a url"}\n',
    );
    assert.match(problem ?? '', /^model_list\[0\]\.litellm_params\.api_base: /);
  });

  test('a cooldown_time over a day', () => {
    assert.deepEqual(problemsOf('router_settings: {cooldown_time: 100000}'), [
      'router_settings.cooldown_time: must be at most 86400 seconds',
    ]);
  });

  test('a duplicate model_info.id, naming both entries', () => {
    assert.deepEqual(
      problemsOf(`
model_list:
  - model_name: a
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: "7"}
  - model_name: b
    litellm_params: {model: openai/gpt-4o-mini}
    model_info: {id: 7}
`),
      ['model_list[1].model_info.id: "7" is already used by model_list[0]'],
    );
  });

  test('two identical entries without ids are refused in words, not with a hash', () => {
    const entry = '  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n';
    const [problem, ...rest] = problemsOf(`model_list:\n${entry}${entry}`);
    assert.deepEqual(rest, []);
    assert.match(problem ?? '', /^model_list\[1\]: /);
    assert.match(problem ?? '', /model_list\[0\]/);
    assert.doesNotMatch(problem ?? '', /[0-9a-f]{32}/);
  });

  test('every problem is reported at once', () => {
    const problems = problemsOf(`
model_list:
  - model_name: a
    litellm_params: {model: opnai/gpt-4o}
  - model_name: b
    litellm_params: {model: antropic/claude}
`);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /^model_list\[0\]/);
    assert.match(problems[1] ?? '', /^model_list\[1\].*did you mean "anthropic"/);
  });

  test('the error message lists the problems for the operator', () => {
    assert.throws(
      () => loadConfigText('router_settings: {cooldown_time: 100000}', { env: {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message ===
          'invalid config:\n  router_settings.cooldown_time: must be at most 86400 seconds',
    );
  });

  test('a YAML syntax error is reported with its position', () => {
    const [problem] = problemsOf('model_list:\n  - model_name: a\n    litellm_params: {model: [\n');
    assert.match(problem ?? '', /^not valid YAML: /);
    assert.match(problem ?? '', /line \d+/);
  });

  test('a YAML document that is not a mapping', () => {
    assert.deepEqual(problemsOf('- a\n- b\n'), [
      '(root): expected a mapping with model_list, general_settings, ...',
    ]);
  });
});

describe('providers', () => {
  test('a LiteLLM-only provider is skipped with a warning; the rest still load', () => {
    const config = loadConfigText(
      `
model_list:
  - model_name: llama-hf
    litellm_params: {model: huggingface/meta-llama/Llama-3-8B}
  - model_name: gpt
    litellm_params: {model: openai/gpt-4o}
`,
      { env: {} },
    );
    assert.deepEqual(
      config.deployments.map((d) => d.modelName),
      ['gpt'],
    );
    assert.deepEqual(config.warnings, [
      'model_list[0].litellm_params.model: provider "huggingface" is not supported by Tollgate yet; model "llama-hf" is skipped',
    ]);
  });

  test('bare gpt-* and claude-* names get their provider inferred', () => {
    const config = loadConfigText(
      `
model_list:
  - model_name: a
    litellm_params: {model: gpt-4o}
  - model_name: b
    litellm_params: {model: claude-3-5-sonnet-20241022}
  - model_name: c
    litellm_params: {model: text-embedding-3-small}
`,
      { env: {} },
    );
    assert.deepEqual(
      config.deployments.map((d) => [d.provider, d.model]),
      [
        ['openai', 'gpt-4o'],
        ['anthropic', 'claude-3-5-sonnet-20241022'],
        ['openai', 'text-embedding-3-small'],
      ],
    );
  });
});

describe('loadConfigFile', () => {
  test('reads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    try {
      const path = join(dir, 'config.yaml');
      writeFileSync(path, 'model_list:\n  - model_name: a\n    litellm_params: {model: gpt-4o}\n');
      assert.equal(loadConfigFile(path, { env: {} }).deployments.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is a ConfigError naming the path', () => {
    assert.throws(
      () => loadConfigFile('/nonexistent/tollgate.yaml', { env: {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        (e.problems[0] ?? '').startsWith('/nonexistent/tollgate.yaml: cannot read the file'),
    );
  });
});

describe('master key from an unset variable', () => {
  test('refuses to start rather than run without the master key the config names', () => {
    const problems = problemsOf('general_settings:\n  master_key: os.environ/MY_MASTER_KEY\n');
    assert.equal(problems.length, 1);
    assert.match(
      problems[0] ?? '',
      /^general_settings\.master_key: environment variable MY_MASTER_KEY is not set/,
    );
  });
});

describe('money settings', () => {
  test('LiteLLM and Tollgate keys for budgets and the spend ledger are read', () => {
    const config = loadConfigText(
      `
general_settings:
  proxy_batch_write_at: 2
  budget_exceeded_status_code: 400
  budget_wait_timeout: 1.5
litellm_settings:
  max_end_user_budget: 0.25
  timezone: America/New_York
`,
      { env: {} },
    );
    assert.deepEqual(config.money, {
      budgetExceededStatus: 400,
      budgetWaitMs: 1500,
      spendWriteIntervalMs: 2000,
      maxEndUserBudget: 0.25,
      budgetTimeZone: 'America/New_York',
    });
    assert.deepEqual(config.warnings, []);
  });

  test('defaults: 429 refusals, the built-in wait and write interval', () => {
    const config = loadConfigText('model_list: []', { env: {} });
    assert.equal(config.money.budgetExceededStatus, 429);
    assert.equal(config.money.budgetWaitMs, undefined);
    assert.equal(config.money.spendWriteIntervalMs, undefined);
    // Budget windows unaligned, as older LiteLLM, until a time zone is configured.
    assert.equal(config.money.budgetTimeZone, undefined);
  });

  test('a timezone that is not an IANA zone is refused with its path', () => {
    for (const zone of ['Mars/Olympus', '+05:00', '""']) {
      assert.throws(
        () => loadConfigText(`litellm_settings: {timezone: ${zone}}`, { env: {} }),
        /litellm_settings\.timezone: .* is not an IANA time zone/,
        zone,
      );
    }
  });

  test('a status other than 429 or 400 is refused with its path', () => {
    assert.throws(
      () => loadConfigText('general_settings: {budget_exceeded_status_code: 500}', { env: {} }),
      /general_settings\.budget_exceeded_status_code/,
    );
  });
});

describe('general_settings.alerting', () => {
  const load = (general: string, env: Record<string, string>) =>
    loadConfigText(`model_list: []\ngeneral_settings:\n${general}\n`, { env });

  test('sends budget alerts to WEBHOOK_URL and SLACK_WEBHOOK_URL', () => {
    const config = load('  alerting: [webhook, slack]', {
      WEBHOOK_URL: 'https://hooks.example.com/llm',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/x',
    });
    assert.deepEqual(config.alerts, {
      webhookUrl: 'https://hooks.example.com/llm',
      slackUrl: 'https://hooks.slack.com/services/x',
    });
    assert.deepEqual(
      config.warnings.filter((w) => w.includes('alert')),
      [],
    );
  });

  test('takes ALERTING_WEBHOOK_URL for Slack, and warns of a destination without its URL', () => {
    const config = load('  alerting: [slack, webhook]', { ALERTING_WEBHOOK_URL: 'https://h/x' });
    assert.deepEqual(config.alerts, { slackUrl: 'https://h/x' });
    assert.ok(config.warnings.some((w) => w.includes('webhook needs WEBHOOK_URL')));
  });

  test('sends nothing when alert_types leaves out budget_alerts', () => {
    const config = load('  alerting: [webhook]\n  alert_types: [llm_exceptions]', {
      WEBHOOK_URL: 'https://h/x',
    });
    assert.equal(config.alerts, undefined);
    assert.ok(config.warnings.some((w) => w.includes('llm_exceptions alerts are not sent')));
  });
});

describe('customer headers', () => {
  test('user_header_mappings with the role customer, in order, then user_header_name', () => {
    const config = loadConfigText(
      `
general_settings:
  user_header_mappings:
    - header_name: X-OpenWebUI-User-Id
      litellm_user_role: internal_user
    - header_name: X-OpenWebUI-User-Email
      litellm_user_role: customer
  user_header_name: X-Customer
`,
      { env: {} },
    );
    assert.deepEqual(config.customerHeaders, ['X-OpenWebUI-User-Email', 'X-Customer']);
    assert.deepEqual(config.warnings, [
      'general_settings.user_header_mappings[0]: the role "internal_user" is not acted on yet (only "customer" headers are read); ignored',
    ]);
  });

  test('a mapping without its header name is refused, naming the path', () => {
    assert.throws(
      () =>
        loadConfigText(
          'general_settings:\n  user_header_mappings:\n    - litellm_user_role: customer\n',
          { env: {} },
        ),
      /general_settings\.user_header_mappings\[0\]\.header_name/,
    );
  });
});
