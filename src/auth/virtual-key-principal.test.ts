import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../contracts/deployment.js';
import { GatewayError, toErrorBody } from '../errors/gateway-error.js';
import type { KeyRecord } from '../store/key-repository.js';
import type { TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import { buildModelDirectory, type ModelSource } from './model-access.js';
import { toProxyRole } from './principal.js';
import { createVirtualKeyPrincipal } from './virtual-key-principal.js';
import { keyRecord, teamRecord } from '../../test/helpers/records.js';

function deployment(modelName: string, route: string, accessGroups: string[] = []): Deployment {
  const [provider = '', ...rest] = route.split('/');
  return {
    id: `${modelName}-${route}`,
    modelName,
    provider,
    model: rest.join('/'),
    headers: {},
    connection: {},
    defaults: {},
    modelInfo: { id: modelName, access_groups: accessGroups },
  };
}

const DEPLOYMENTS = [
  deployment('gpt-4o-mini', 'openai/gpt-4o-mini'),
  deployment('gpt-4o', 'openai/gpt-4o', ['beta']),
  deployment('claude', 'anthropic/claude-3-5-sonnet', ['beta']),
  deployment('mistral', 'mistral/mistral-small'),
  deployment('anthropic/*', 'anthropic/*'),
];

const source: ModelSource = {
  publicModelNames: () => [...new Set(DEPLOYMENTS.map((d) => d.modelName))],
  allDeployments: () => DEPLOYMENTS,
  deploymentsOf: (name) => DEPLOYMENTS.filter((d) => d.modelName === name),
};
const directory = buildModelDirectory(source);

function key(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return keyRecord({ token: 'a'.repeat(64), key_name: 'sk-...abcd', ...overrides });
}

function team(overrides: Partial<TeamRecord> = {}): TeamRecord {
  return teamRecord({ team_id: 'team-1', ...overrides });
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    user_id: 'user-1',
    user_email: null,
    user_alias: null,
    user_role: 'internal_user',
    sso_user_id: null,
    models: [],
    metadata: {},
    spend: 0,
    max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const allowed = (p: ReturnType<typeof createVirtualKeyPrincipal>) =>
  ['gpt-4o-mini', 'gpt-4o', 'claude', 'mistral', 'anthropic/claude-3-opus', 'unknown-model'].filter(
    (m) => p.canUseModel(m),
  );

function refusal(p: ReturnType<typeof createVirtualKeyPrincipal>, model: string) {
  const error = p.modelAccessError(model);
  assert.ok(error instanceof GatewayError);
  return { status: error.status, ...toErrorBody(error).error };
}

describe('model access of a virtual key (key ∩ team ∩ user)', () => {
  test('an empty list everywhere allows every model', () => {
    const p = createVirtualKeyPrincipal({ key: key() }, directory);
    assert.deepEqual(allowed(p), [
      'gpt-4o-mini',
      'gpt-4o',
      'claude',
      'mistral',
      'anthropic/claude-3-opus',
      'unknown-model',
    ]);
  });

  test('* and all-proxy-models allow every model', () => {
    for (const models of [['*'], ['all-proxy-models']]) {
      const p = createVirtualKeyPrincipal({ key: key({ models }) }, directory);
      assert.equal(p.canUseModel('anything-at-all'), true);
    }
  });

  test('a key list allows exactly its models; the refusal is key_model_access_denied', () => {
    const p = createVirtualKeyPrincipal({ key: key({ models: ['mistral'] }) }, directory);
    assert.deepEqual(allowed(p), ['mistral']);
    assert.deepEqual(refusal(p, 'gemini-pro-vision'), {
      status: 401,
      message:
        "key not allowed to access model. This key can only access models=['mistral']. Tried to access gemini-pro-vision",
      type: 'key_model_access_denied',
      param: 'model',
      code: '401',
    });
  });

  test('an access group in a list grants every model of the group', () => {
    const p = createVirtualKeyPrincipal({ key: key({ models: ['beta'] }) }, directory);
    assert.deepEqual(allowed(p), ['gpt-4o', 'claude']);
  });

  test('provider/* matches requested names and groups whose deployments are all that provider', () => {
    const p = createVirtualKeyPrincipal({ key: key({ models: ['openai/*'] }) }, directory);
    assert.deepEqual(allowed(p), ['gpt-4o-mini', 'gpt-4o']);
    assert.equal(p.canUseModel('openai/gpt-4.1'), true);
    const anthropic = createVirtualKeyPrincipal(
      { key: key({ models: ['anthropic/*'] }) },
      directory,
    );
    assert.deepEqual(allowed(anthropic), ['claude', 'anthropic/claude-3-opus']);
  });

  test('the team list narrows a key in the team; its refusal names the team', () => {
    const p = createVirtualKeyPrincipal(
      { key: key({ team_id: 'team-1' }), team: team({ models: ['gpt-4o-mini'] }) },
      directory,
    );
    assert.deepEqual(allowed(p), ['gpt-4o-mini']);
    assert.deepEqual(refusal(p, 'gpt-4'), {
      status: 401,
      message:
        "Team not allowed to access model. Team=team-1, Model=gpt-4. Allowed team models = ['gpt-4o-mini']",
      type: 'team_model_access_denied',
      param: 'model',
      code: '401',
    });
  });

  test('key and team lists intersect', () => {
    const p = createVirtualKeyPrincipal(
      {
        key: key({ team_id: 'team-1', models: ['gpt-4o', 'claude'] }),
        team: team({ models: ['beta', 'mistral'] }),
      },
      directory,
    );
    assert.deepEqual(allowed(p), ['gpt-4o', 'claude']);
    assert.equal(refusal(p, 'mistral').type, 'key_model_access_denied');
  });

  test('all-team-models on a key defers to the team, and allows nothing without a team', () => {
    const inTeam = createVirtualKeyPrincipal(
      {
        key: key({ team_id: 'team-1', models: ['all-team-models'] }),
        team: team({ models: ['all-proxy-models'] }),
      },
      directory,
    );
    assert.equal(inTeam.canUseModel('anything'), true);
    const narrowTeam = createVirtualKeyPrincipal(
      {
        key: key({ team_id: 'team-1', models: ['all-team-models'] }),
        team: team({ models: ['claude'] }),
      },
      directory,
    );
    assert.deepEqual(allowed(narrowTeam), ['claude']);
    const alone = createVirtualKeyPrincipal(
      { key: key({ models: ['all-team-models'] }) },
      directory,
    );
    assert.deepEqual(allowed(alone), []);
  });

  test("a user's own list governs personal keys, not team keys", () => {
    const personal = createVirtualKeyPrincipal(
      { key: key({ user_id: 'user-1' }), user: user({ models: ['gpt-4o-mini'] }) },
      directory,
    );
    assert.deepEqual(allowed(personal), ['gpt-4o-mini']);
    assert.deepEqual(refusal(personal, 'claude'), {
      status: 401,
      message:
        "User not allowed to access model. User=user-1, Model=claude. Allowed user models = ['gpt-4o-mini']",
      type: 'user_model_access_denied',
      param: 'model',
      code: '401',
    });
    const teamKey = createVirtualKeyPrincipal(
      {
        key: key({ user_id: 'user-1', team_id: 'team-1' }),
        user: user({ models: ['gpt-4o-mini'] }),
        team: team({ models: ['claude'] }),
      },
      directory,
    );
    assert.deepEqual(allowed(teamKey), ['claude']);
  });

  test('no-default-models leaves a user only team models', () => {
    const p = createVirtualKeyPrincipal(
      { key: key({ user_id: 'user-1' }), user: user({ models: ['no-default-models'] }) },
      directory,
    );
    assert.deepEqual(allowed(p), []);
    assert.equal(
      refusal(p, 'gpt-4o').message,
      'User not allowed to access model. No default model access, only team models allowed. Tried to access gpt-4o',
    );
  });
});

describe('aliases', () => {
  test('key aliases win over team model_aliases; other names pass through', () => {
    const p = createVirtualKeyPrincipal(
      {
        key: key({ team_id: 'team-1', aliases: { fast: 'gpt-4o-mini' } }),
        team: team({ model_aliases: { fast: 'claude', smart: 'gpt-4o' } }),
      },
      directory,
    );
    assert.equal(p.resolveModelAlias('fast'), 'gpt-4o-mini');
    assert.equal(p.resolveModelAlias('smart'), 'gpt-4o');
    assert.equal(p.resolveModelAlias('mistral'), 'mistral');
  });

  test('names of Object.prototype are not aliases', () => {
    const p = createVirtualKeyPrincipal({ key: key() }, directory);
    assert.equal(p.resolveModelAlias('constructor'), 'constructor');
    assert.equal(p.resolveModelAlias('__proto__'), '__proto__');
  });
});

describe('the rest of the principal', () => {
  test('carries role, ids, expiry, routes and the rows, frozen', () => {
    const p = createVirtualKeyPrincipal(
      {
        key: key({
          user_id: 'user-1',
          team_id: 'team-1',
          expires: '2030-01-01T00:00:00.000Z',
          allowed_routes: ['llm_api_routes'],
        }),
        user: user({ user_role: 'proxy_admin_viewer' }),
        team: team(),
      },
      directory,
    );
    assert.equal(p.kind, 'virtual_key');
    assert.equal(p.role, 'proxy_admin_viewer');
    assert.equal(p.userId, 'user-1');
    assert.equal(p.teamId, 'team-1');
    assert.equal(p.keyHash, 'a'.repeat(64));
    assert.equal(p.expiresAt, Date.UTC(2030, 0, 1));
    assert.deepEqual(p.allowedRoutes, ['llm_api_routes']);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.key) && Object.isFrozen(p.allowedRoutes));
  });

  test('a key without a user acts as an internal_user', () => {
    assert.equal(createVirtualKeyPrincipal({ key: key() }, directory).role, 'internal_user');
  });
});

describe('toProxyRole', () => {
  test('maps legacy roles and treats unknown or missing ones as internal_user', () => {
    assert.equal(toProxyRole('proxy_admin'), 'proxy_admin');
    assert.equal(toProxyRole('proxy_admin_viewer'), 'proxy_admin_viewer');
    assert.equal(toProxyRole('internal_user_viewer'), 'internal_user_viewer');
    assert.equal(toProxyRole('admin'), 'proxy_admin');
    assert.equal(toProxyRole('app_owner'), 'internal_user');
    assert.equal(toProxyRole('app_user'), 'internal_user');
    assert.equal(toProxyRole('team'), 'internal_user');
    assert.equal(toProxyRole('toString'), 'internal_user');
    assert.equal(toProxyRole(null), 'internal_user');
    assert.equal(toProxyRole(undefined), 'internal_user');
  });
});
