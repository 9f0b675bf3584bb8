import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { BudgetCalendar } from '../spend/budget-calendar.js';
import { newUserRecord, withUserDefaults } from './new-user.js';

const DEFAULTS: InternalUserDefaults = {
  maxBudget: 10,
  budgetDuration: '1mo',
  params: { models: ['gpt-4o-mini'], max_budget: 4, tpm_limit: 100, teams: ['core'] },
};

describe('new users', () => {
  test('default_internal_user_params fill what is unset (an empty model list too), then max_internal_user_budget', () => {
    const filled = withUserDefaults({ models: [], rpm_limit: 5 }, DEFAULTS);
    assert.deepEqual(filled, {
      user_role: 'internal_user',
      models: ['gpt-4o-mini'],
      max_budget: 4,
      budget_duration: '1mo',
      tpm_limit: 100,
      rpm_limit: 5,
      teams: ['core'],
    });
    const own = withUserDefaults({ max_budget: 1, models: ['gpt-4o'], teams: [] }, DEFAULTS);
    assert.equal(own.max_budget, 1);
    assert.deepEqual(own.models, ['gpt-4o']);
    assert.deepEqual(own.teams, ['core'], 'an empty list counts as unset');
    const budgetOnly = withUserDefaults({}, { ...DEFAULTS, params: {} });
    assert.equal(budgetOnly.max_budget, 10);
  });

  test('the role comes from the request, else the default params; admins get no defaults', () => {
    assert.equal(
      withUserDefaults({}, { params: { user_role: 'internal_user_viewer' } }).user_role,
      'internal_user_viewer',
    );
    const admin = withUserDefaults({ user_role: 'proxy_admin' }, DEFAULTS);
    assert.deepEqual(admin, { user_role: 'proxy_admin' });
    assert.deepEqual(withUserDefaults({ user_role: 'proxy_admin_viewer' }, DEFAULTS), {
      user_role: 'proxy_admin_viewer',
    });
  });

  test('their row starts at zero spend with the budget window opened now', () => {
    const now = Date.parse('2025-01-31T12:00:00.000Z');
    const user = newUserRecord(
      'u-1',
      { user_role: 'internal_user', budget_duration: '1mo', user_email: 'A@b.c' },
      now,
      BudgetCalendar.UNALIGNED,
    );
    assert.equal(user.spend, 0);
    assert.equal(user.user_email, 'A@b.c');
    assert.equal(user.budget_reset_at, '2025-02-28T12:00:00.000Z');
    assert.equal(user.created_at, '2025-01-31T12:00:00.000Z');
    assert.throws(
      () =>
        newUserRecord(
          'u-2',
          { user_role: 'internal_user', max_budget: -1 },
          now,
          BudgetCalendar.UNALIGNED,
        ),
      (e: unknown) => e instanceof GatewayError && e.status === 400,
    );
  });

  test('with a time zone, the first window ends on the calendar: a monthly budget on the 1st', () => {
    const now = Date.parse('2025-01-31T12:00:00.000Z');
    const user = newUserRecord(
      'u-3',
      { user_role: 'internal_user', budget_duration: 'monthly' },
      now,
      BudgetCalendar.inZone('Asia/Tokyo'),
    );
    // 21:00 on Jan 31 in Tokyo: the next 1st, 00:00 Tokyo, is Jan 31, 15:00 UTC.
    assert.equal(user.budget_reset_at, '2025-01-31T15:00:00.000Z');
    assert.throws(
      () =>
        newUserRecord(
          'u-4',
          { user_role: 'internal_user', budget_duration: '2mo' },
          now,
          BudgetCalendar.inZone('Asia/Tokyo'),
        ),
      (e: unknown) =>
        e instanceof GatewayError &&
        e.status === 400 &&
        e.message === 'Monthly resets currently only support 1 month intervals',
    );
  });
});
