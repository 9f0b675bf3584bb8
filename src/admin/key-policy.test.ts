import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMasterPrincipal, type Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { checkKeyGenerationSettings, withinUpperBounds, withKeyDefaults } from './key-policy.js';
import type { GenerateKeyInput } from './key-schemas.js';

/** A parsed request with only these fields. */
const req = (fields: Partial<GenerateKeyInput>) => fields as GenerateKeyInput;

const NOW = Date.parse('2026-01-01T00:00:00Z');
const admin = createMasterPrincipal('hash');
const user = { ...admin, kind: 'virtual_key', role: 'internal_user', userId: 'u' } as Principal;

describe('withKeyDefaults', () => {
  test('fills null and missing fields, [] models and {} metadata; keeps given values', () => {
    const out = withKeyDefaults(
      req({ max_budget: null, models: [], metadata: {}, rpm_limit: 5 }),
      { max_budget: 1, models: ['m'], metadata: { a: 1 }, rpm_limit: 9, duration: '1d' },
      admin,
    );
    assert.deepEqual(out, {
      max_budget: 1,
      models: ['m'],
      metadata: { a: 1 },
      rpm_limit: 5,
      duration: '1d',
    });
  });
  test('user_id is defaulted for proxy admins only', () => {
    assert.equal(withKeyDefaults(req({}), { user_id: 'x' }, admin).user_id, 'x');
    assert.equal(withKeyDefaults(req({}), { user_id: 'x' }, user).user_id, undefined);
  });
});

describe('withinUpperBounds', () => {
  test('clamps larger values and fills missing ones; smaller values stay', () => {
    const bounds = { max_budget: 10, tpm_limit: 100, duration: '14d', budget_duration: '1d' };
    assert.deepEqual(
      withinUpperBounds(req({ max_budget: 50, tpm_limit: 5, duration: '30d' }), bounds, NOW),
      { max_budget: 10, tpm_limit: 5, duration: '14d', budget_duration: '1d' },
    );
    assert.equal(withinUpperBounds(req({ duration: '-1' }), bounds, NOW).duration, '14d');
    assert.equal(withinUpperBounds(req({ duration: '2h' }), bounds, NOW).duration, '2h');
    assert.equal(
      withinUpperBounds(req({ budget_duration: '1mo' }), bounds, NOW).budget_duration,
      '1d',
    );
  });
});

describe('checkKeyGenerationSettings', () => {
  const refusal = (run: () => void) => {
    try {
      run();
    } catch (error: unknown) {
      assert.ok(error instanceof GatewayError);
      return `${error.status} ${error.message}`;
    }
    return 'allowed';
  };
  const settings = {
    team_key_generation: { allowed_team_member_roles: ['admin' as const] },
    personal_key_generation: { allowed_user_roles: ['proxy_admin' as const] },
  };
  const present = new Set<string>();
  test('LiteLLM’s messages; proxy admins bypass', () => {
    assert.equal(
      refusal(() =>
        checkKeyGenerationSettings(user, settings, { teamId: 't', present, memberRole: 'user' }),
      ),
      "400 Team member role user not in allowed_team_member_roles=['admin']",
    );
    assert.equal(
      refusal(() =>
        checkKeyGenerationSettings(user, settings, { teamId: 't', present, memberRole: undefined }),
      ),
      '400 User=u not assigned to team=t',
    );
    assert.equal(
      refusal(() =>
        checkKeyGenerationSettings(user, settings, {
          teamId: null,
          present,
          memberRole: undefined,
        }),
      ),
      "400 Personal key creation has been restricted by admin. Allowed roles=['proxy_admin']. Your role=internal_user",
    );
    assert.equal(
      refusal(() =>
        checkKeyGenerationSettings(admin, settings, {
          teamId: null,
          present,
          memberRole: undefined,
        }),
      ),
      'allowed',
    );
  });
});
