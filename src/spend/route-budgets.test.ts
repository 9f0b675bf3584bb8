import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testDeployment } from '../../test/helpers/test-deployment.js';
import { BudgetCalendar } from './budget-calendar.js';
import { RouteBudgets } from './route-budgets.js';

const DAY = 86_400_000;
const noon = Date.parse('2026-03-10T12:00:00.000Z');

describe('RouteBudgets', () => {
  const openai = testDeployment('openai', 'gpt-4o', { id: 'a' });
  const capped = testDeployment('mock', 'm', { id: 'b', budget: { maxBudget: 1, duration: null } });

  test('a provider budget counts in UTC days and starts again at midnight', () => {
    let now = noon;
    const budgets = new RouteBudgets({
      providers: new Map([['openai', { maxBudget: 1, duration: '1d' }]]),
      now: () => now,
    });
    const targets = budgets.book(openai, 1, now);
    assert.deepEqual(targets, [
      { kind: 'provider', id: 'openai', budgetResetAt: '2026-03-11T00:00:00.000Z' },
    ]);
    assert.deepEqual(budgets.filter([openai]).kept, []);
    now = Date.parse('2026-03-11T00:00:00.000Z');
    assert.deepEqual(budgets.filter([openai]).kept, [openai]);
    assert.equal(budgets.providerSpend('openai'), 0);
  });

  test('windows follow the calendar of litellm_settings.timezone', () => {
    const budgets = new RouteBudgets({
      providers: new Map([['openai', { maxBudget: 1, duration: '1d' }]]),
      calendar: BudgetCalendar.inZone('Asia/Tokyo'),
      now: () => noon,
    });
    assert.equal(budgets.providerView().openai?.budget_reset_at, '2026-03-10T15:00:00.000Z');
  });

  test('stored spend counts only in its own window; a budget without duration never resets', () => {
    const budgets = new RouteBudgets({
      providers: new Map([['openai', { maxBudget: 1, duration: '1d' }]]),
      now: () => noon,
    });
    budgets.load([
      {
        kind: 'provider',
        id: 'openai',
        spend: 5,
        budget_reset_at: new Date(noon - DAY).toISOString(),
      },
      { kind: 'deployment', id: 'b', spend: 1, budget_reset_at: '' },
    ]);
    assert.deepEqual(budgets.filter([openai, capped]).kept, [openai]);
    assert.match(budgets.filter([capped]).crossed[0]!, /model_id: b: 1\.0 >= 1\.0$/);
  });

  test('spend not yet written counts with what the store held at the last read', () => {
    const budgets = new RouteBudgets({
      providers: new Map([['openai', { maxBudget: 1, duration: '1d' }]]),
      now: () => noon,
      pending: (key) => (key === 'provider:openai' ? 0.6 : 0),
    });
    budgets.load([
      { kind: 'provider', id: 'openai', spend: 0.3, budget_reset_at: '2026-03-11T00:00:00.000Z' },
    ]);
    assert.ok(Math.abs(budgets.providerSpend('openai') - 0.9) < 1e-12);
    budgets.book(openai, 0.2, noon);
    assert.deepEqual(budgets.filter([openai]).kept, []);
  });

  test('spend this replica wrote after the read began counts too, once', () => {
    const budgets = new RouteBudgets({
      providers: new Map([['openai', { maxBudget: 1, duration: '1d' }]]),
      now: () => noon,
      // 0.4 was written in batch 8, after the read began at batch 7 (so the rows lack it).
      writtenSince: (written, key) => (key === 'provider:openai' && written < 8 ? 0.4 : 0),
    });
    const rows = [
      {
        kind: 'provider' as const,
        id: 'openai',
        spend: 0.3,
        budget_reset_at: '2026-03-11T00:00:00.000Z',
      },
    ];
    budgets.load(rows, 7);
    assert.ok(Math.abs(budgets.providerSpend('openai') - 0.7) < 1e-12);
    budgets.load(rows, 8);
    assert.ok(Math.abs(budgets.providerSpend('openai') - 0.3) < 1e-12);
  });

  test('deployments without any budget are passed through as the same list', () => {
    const budgets = new RouteBudgets();
    const list = [testDeployment('openai', 'gpt-4o', { id: 'x' })];
    assert.equal(budgets.filter(list).kept, list);
  });
});
