import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelBudgetFor, modelMaxBudgetError } from './model-budgets.js';

describe('model_max_budget entries', () => {
  it("reads LiteLLM's field names and their BudgetConfig spellings", () => {
    assert.deepEqual(modelBudgetFor({ a: { budget_limit: '0.5', time_period: '1d' } }, 'a'), {
      model: 'a',
      maxBudget: 0.5,
      duration: '1d',
      followsKey: false,
      rpmLimit: null,
      tpmLimit: null,
    });
    assert.deepEqual(
      modelBudgetFor({ a: { max_budget: 2, budget_duration: '30m', rpm_limit: 3 } }, 'a'),
      { model: 'a', maxBudget: 2, duration: '30m', followsKey: false, rpmLimit: 3, tpmLimit: null },
    );
  });

  it("reads a plain amount as a budget in the key's own window", () => {
    assert.deepEqual(modelBudgetFor({ a: '2.5' }, 'a'), {
      model: 'a',
      maxBudget: 2.5,
      duration: null,
      followsKey: true,
      rpmLimit: null,
      tpmLimit: null,
    });
  });

  it('falls back to the name without its provider prefix, the exact name first', () => {
    const table = {
      'gpt-4o': { budget_limit: 1, time_period: '1d' },
      'openai/gpt-4o': { budget_limit: 2, time_period: '1d' },
    };
    assert.equal(modelBudgetFor(table, 'openai/gpt-4o')?.maxBudget, 2);
    assert.equal(modelBudgetFor(table, 'azure/gpt-4o')?.model, 'gpt-4o');
    assert.equal(modelBudgetFor(table, 'gpt-4o-mini'), undefined);
  });

  it('skips an unusable stored entry for a usable one, and a budget without a period never resets', () => {
    const table = { 'x/m': { budget_limit: 'lots' }, m: { budget_limit: 1 } };
    assert.deepEqual(modelBudgetFor(table, 'x/m'), {
      model: 'm',
      maxBudget: 1,
      duration: null,
      followsKey: false,
      rpmLimit: null,
      tpmLimit: null,
    });
    assert.equal(modelBudgetFor({ constructor: { budget_limit: 1 } }, 'toString'), undefined);
  });

  it('names the entry and what is wrong with it', () => {
    assert.equal(modelMaxBudgetError({ a: { budget_limit: 1, time_period: '1d' } }), undefined);
    assert.match(
      modelMaxBudgetError({ a: { budget_limit: 1 }, b: { time_period: 7 } }) ?? '',
      /^Invalid model_max_budget: b: time_period must be a duration/,
    );
    assert.match(
      modelMaxBudgetError({ a: { tpm_limit: 1.5 } }) ?? '',
      /tpm_limit must be a whole number/,
    );
    assert.match(modelMaxBudgetError({ a: [] }) ?? '', /each entry must be an amount or an object/);
    assert.equal(modelMaxBudgetError({ a: 5, b: '0.25' }), undefined);
  });
});
