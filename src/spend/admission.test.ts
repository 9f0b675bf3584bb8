import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeAdmissionRules,
  makeRequest,
  makeScope,
  raceForBudget,
} from '../../test/helpers/admission-suite.js';
import { CounterAdmission } from './admission.js';
import { LocalCounterStore } from './local-counters.js';

describeAdmissionRules('in memory', async () => ({
  store: new LocalCounterStore(),
  sync: async () => {},
  close: async () => {},
}));

describe('admission in memory', () => {
  test('answers synchronously when nothing has to wait', () => {
    const admission = new CounterAdmission({ store: new LocalCounterStore() });
    const key = makeScope('key', 'k1', { maxBudget: 5, rpmLimit: 10 });
    const admitted = admission.admit(makeRequest([key]));
    assert.ok(!(admitted instanceof Promise));
    admitted.settle(0.5, 10);
  });

  test('200 concurrent calls never spend past the budget, and use at least 90 % of it', async () => {
    const admission = new CounterAdmission({ store: new LocalCounterStore() });
    const maxBudget = 20 * 0.11;
    const result = await raceForBudget([admission], { maxBudget, seed: 7 });
    assert.ok(
      result.settledCost <= maxBudget + 1e-9,
      `spent ${result.settledCost} of ${maxBudget}`,
    );
    assert.ok(
      result.settledCost >= 0.9 * maxBudget,
      `spent only ${result.settledCost} of ${maxBudget}`,
    );
    assert.equal(result.admitted + result.refused, 200);
  });
});
