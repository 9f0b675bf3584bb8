import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError, toErrorBody } from '../errors/gateway-error.js';
import type { Principal, ProxyRole } from './principal.js';
import {
  ROUTE_ACCESS,
  authorizeRoute,
  routeAccess,
  type RouteAccess,
} from './route-permissions.js';

function caller(role: ProxyRole, allowedRoutes: string[] = []): Principal {
  return {
    kind: 'virtual_key',
    role,
    userId: 'u-1',
    allowedRoutes,
    canUseModel: () => true,
    modelAccessError: () => new GatewayError('forbidden', 'unused'),
    resolveModelAlias: (m) => m,
  };
}

function outcome(principal: Principal, route: string): string {
  const access = routeAccess(route);
  assert.ok(access, route);
  if (access === 'public') return 'public';
  try {
    authorizeRoute(principal, access, route);
    return 'ok';
  } catch (e: unknown) {
    assert.ok(e instanceof GatewayError);
    return `${e.status}`;
  }
}

/** What each role gets on each access class: the table of docs/api.md, as data. */
const EXPECTED: Record<ProxyRole, Record<Exclude<RouteAccess, 'public'>, string>> = {
  proxy_admin: {
    llm: 'ok',
    info: 'ok',
    key_read: 'ok',
    key_write: 'ok',
    admin: 'ok',
    admin_read: 'ok',
  },
  proxy_admin_viewer: {
    llm: '403',
    info: 'ok',
    key_read: 'ok',
    key_write: '403',
    admin: '403',
    admin_read: 'ok',
  },
  internal_user: {
    llm: 'ok',
    info: 'ok',
    key_read: 'ok',
    key_write: 'ok',
    admin: '401',
    admin_read: '401',
  },
  internal_user_viewer: {
    llm: 'ok',
    info: 'ok',
    key_read: 'ok',
    key_write: '401',
    admin: '401',
    admin_read: '401',
  },
};

describe('the route × role table', () => {
  test('every role on every route gets what the table says', () => {
    for (const role of Object.keys(EXPECTED) as ProxyRole[]) {
      for (const [route, access] of Object.entries(ROUTE_ACCESS)) {
        const expected = access === 'public' ? 'public' : EXPECTED[role][access];
        assert.equal(outcome(caller(role), route), expected, `${role} ${route}`);
      }
    }
  });

  test('routes outside the table have no access class', () => {
    assert.equal(routeAccess('/key/secret-admin-thing'), undefined);
    assert.equal(routeAccess('toString'), undefined);
  });

  test('a viewer calling an LLM route: 403 with LiteLLM’s message', () => {
    try {
      authorizeRoute(caller('proxy_admin_viewer'), 'llm', '/v1/chat/completions');
      assert.fail('allowed');
    } catch (e: unknown) {
      assert.ok(e instanceof GatewayError);
      assert.deepEqual(toErrorBody(e).error, {
        message: 'user not allowed to access this OpenAI routes, role= proxy_admin_viewer',
        type: 'auth_error',
        param: null,
        code: '403',
      });
    }
  });

  test('an internal user on an admin route: 401 "Only proxy admin can be used ..."', () => {
    assert.throws(() => authorizeRoute(caller('internal_user'), 'admin', '/key/block'), {
      message:
        'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/key/block. Your role=internal_user. Your user_id=u-1',
    });
  });
});

describe("a key's allowed_routes", () => {
  test('llm_api_routes: LLM routes and model lists only', () => {
    const p = caller('proxy_admin', ['llm_api_routes']);
    assert.equal(outcome(p, '/v1/chat/completions'), 'ok');
    assert.equal(outcome(p, '/v1/models'), 'ok');
    assert.equal(outcome(p, '/health/readiness'), 'public');
    assert.throws(() => authorizeRoute(p, 'key_read', '/key/list'), {
      message:
        "Virtual key is not allowed to call this route. Only allowed to call routes: ['llm_api_routes']. Tried to call route: /key/list",
    });
  });

  test('info_routes and management_routes', () => {
    const info = caller('proxy_admin', ['info_routes']);
    assert.equal(outcome(info, '/key/info'), 'ok');
    assert.equal(outcome(info, '/model/info'), 'ok');
    assert.equal(outcome(info, '/key/generate'), '403');
    assert.equal(outcome(info, '/v1/chat/completions'), '403');
    const management = caller('proxy_admin', ['management_routes']);
    assert.equal(outcome(management, '/key/generate'), 'ok');
    assert.equal(outcome(management, '/key/block'), 'ok');
    assert.equal(outcome(management, '/v1/embeddings'), '403');
  });

  test('exact paths and /prefix/* entries', () => {
    const p = caller('internal_user', ['/v1/chat/completions', '/key/*']);
    assert.equal(outcome(p, '/v1/chat/completions'), 'ok');
    assert.equal(outcome(p, '/v1/embeddings'), '403');
    assert.equal(outcome(p, '/key/info'), 'ok');
    assert.equal(outcome(p, '/key/block'), '401', 'routes never widen what the role may do');
  });
});
