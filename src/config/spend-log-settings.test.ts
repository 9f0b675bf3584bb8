import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadSection, sectionProblems } from '../../test/helpers/config-sections.js';

const load = (body: string, env: Record<string, string | undefined> = {}) =>
  loadSection('general_settings', body, env);
const problemsOf = (body: string, env: Record<string, string | undefined> = {}) =>
  sectionProblems('general_settings', body, env);

describe('spend log settings (general_settings)', () => {
  test("LiteLLM's retention example: 7 days, daily, no warning", () => {
    const config = load(
      [
        '  maximum_spend_logs_retention_period: "7d"',
        '  maximum_daily_tag_spend_retention_period: "90d"',
        '  maximum_spend_logs_retention_interval: "1d"',
        '  maximum_spend_logs_cleanup_cron: "0 4 * * *"',
      ].join('\n'),
    );
    const retention = config.spendLog.retention;
    assert.deepEqual(retention?.logs, { period: { amount: 7, unit: 'd' }, text: '7d' });
    assert.deepEqual(retention?.dailyTags, { period: { amount: 90, unit: 'd' }, text: '90d' });
    assert.equal(retention?.intervalMs, 86_400_000);
    assert.equal(retention?.cron, '0 4 * * *');
    assert.equal(retention?.maxBatches, 500);
    assert.deepEqual(
      config.warnings.filter((w) => w.includes('spend_log')),
      [],
      'the settings are acted on, not reported as unsupported',
    );
  });

  test('no retention unless a period is set; the interval defaults to a day', () => {
    assert.equal(load('  master_key: sk-1').spendLog.retention, undefined);
    const hourly = load(
      '  maximum_spend_logs_retention_period: "24h"\n  maximum_spend_logs_retention_interval: "60m"',
    );
    assert.equal(hourly.spendLog.retention?.intervalMs, 3_600_000);
    assert.equal(hourly.spendLog.retention?.cron, undefined);
    assert.equal(
      load('  maximum_spend_logs_retention_period: "3600s"').spendLog.retention?.intervalMs,
      86_400_000,
    );
  });

  test('SPEND_LOG_RUN_LOOPS sets how many batches of 1,000 rows a run deletes at most', () => {
    const config = load('  maximum_spend_logs_retention_period: "30d"', {
      SPEND_LOG_RUN_LOOPS: '200',
    });
    assert.equal(config.spendLog.retention?.maxBatches, 200);
    assert.deepEqual(
      problemsOf('  maximum_spend_logs_retention_period: "30d"', { SPEND_LOG_RUN_LOOPS: 'lots' }),
      ['SPEND_LOG_RUN_LOOPS: must be a whole number of batches, 1 or more'],
    );
  });

  test('refuses to start on a period, interval or cron it cannot read, naming the setting', () => {
    assert.deepEqual(problemsOf('  maximum_spend_logs_retention_period: "a week"'), [
      'general_settings.maximum_spend_logs_retention_period: "a week" is not a duration; write e.g. "30d", "24h", "60m" or "3600s"',
    ]);
    assert.deepEqual(problemsOf('  maximum_spend_logs_retention_period: "0d"'), [
      'general_settings.maximum_spend_logs_retention_period: must be longer than zero, e.g. "30d"',
    ]);
    assert.deepEqual(
      problemsOf(
        '  maximum_spend_logs_retention_period: "30d"\n  maximum_spend_logs_retention_interval: "1mo"',
      ),
      [
        'general_settings.maximum_spend_logs_retention_interval: give it in s, m, h, d or w (or use maximum_spend_logs_cleanup_cron for a calendar schedule)',
      ],
    );
    const [cron] = problemsOf(
      '  maximum_spend_logs_retention_period: "30d"\n  maximum_spend_logs_cleanup_cron: "every night"',
    );
    assert.match(cron!, /^general_settings\.maximum_spend_logs_cleanup_cron: .*"0 4 \* \* \*"/);
    assert.deepEqual(problemsOf('  maximum_spend_logs_retention_period: 7'), [
      'general_settings.maximum_spend_logs_retention_period: Invalid input: expected string, received number',
    ]);
  });

  test('disable_spend_logs and disable_error_logs', () => {
    assert.deepEqual(load('  master_key: sk-1').spendLog, {
      disabled: false,
      errorsDisabled: false,
      storePrompts: false,
    });
    assert.equal(load('  store_prompts_in_spend_logs: true').spendLog.storePrompts, true);
    const off = load('  disable_spend_logs: true\n  disable_error_logs: true').spendLog;
    assert.equal(off.disabled, true);
    assert.equal(off.errorsDisabled, true);
  });
});
