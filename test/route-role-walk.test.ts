/**
 * Walks the whole route table with every role and asserts, against a policy written here
 * independently of the table, that each route that must refuse a caller does refuse it. The walk
 * fails if the table gains a route this policy does not classify.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROUTE_ACCESS } from '../src/auth/route-permissions.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startJwksServer, TEST_AUDIENCE, type JwksServer } from './helpers/jwks-server.js';

type Caller =
  | 'none'
  | 'bogus'
  | 'proxy_admin_viewer'
  | 'internal_user'
  | 'internal_user_viewer'
  /** A JWT of the identity provider naming a team: LiteLLM's team_allowed_routes. */
  | 'jwt_team';

/** Health, metrics, the index, the UI's files, sign-in, SSO sign-in and onboarding: open to all. */
const PUBLIC =
  /^\/(metrics|health\/(liveliness|liveness|readiness)|ui|ui\/\*|login|logout|session|onboarding\/(get_token|claim_token)|sso\/(key\/generate|callback)|\.well-known\/litellm-ui-config)?$/;
/** LLM calls: any role but the admin viewer (LiteLLM: "user not allowed to access this OpenAI routes"). */
const LLM =
  /(completions|embeddings|messages|responses|moderations|generations|edits|variations|rerank|speech|transcriptions|translations|count_tokens|input_tokens|responses\/:id(\/(cancel|input_items))?)$/;
/** LLM routes read with GET: stored responses of the provider. */
const LLM_READS = /responses\/:id(\/input_items)?$/;
/** Reads any key may make (its own scope decided by the service). */
const READS =
  /^\/(health|v1\/models|models|v1\/model\/info|model\/info|key\/generate\/bounds|key\/info|key\/health|spend\/calculate|v2\/key\/info|key\/list|key\/aliases|user\/info|v2\/user\/info|user\/list|user\/daily\/activity|team\/daily\/activity|team\/info|team\/list|team\/available|v2\/team\/list|customer\/info|customer\/list|organization\/(info|list)|end_user\/info|end_user\/list|audit\/logs|budget\/(list|settings)|tag\/(info|list)|invitation\/(info|list)|spend\/(logs|logs\/ui|keys|users|tags)|provider\/budgets|guardrails\/list|v2\/guardrails\/list|guardrails\/apply_guardrail|apply_guardrail|tag\/daily\/activity|global\/spend(\/(logs|keys|teams|models|end_users|report))?)$/;
/** Reads that take their input as a body. */
const POST_READS =
  /^\/(v2\/key\/info|spend\/calculate|tag\/info|guardrails\/apply_guardrail|apply_guardrail)$/;
/** Reads for proxy admins and viewers only. */
const ADMIN_READS =
  /^\/(audit\/logs|spend\/tags|provider\/budgets|tag\/daily\/activity|budget\/(list|settings)|tag\/(info|list)|invitation\/(info|list))$/;
/** SSO debug pages (GET): what the identity provider sends, for proxy admins only. */
const ADMIN_PAGES = /^\/(sso\/debug\/(login|callback)|cache\/ping)$/;
/** Changes only a proxy admin may make, whoever asks (LiteLLM's permission matrix). */
const ADMIN_ONLY =
  /^\/(sso\/debug\/(login|callback)|user\/(new|delete|bulk_update)|team\/(delete|block|unblock)|key\/(block|unblock|bulk_update)|(customer|end_user)\/(new|update|delete|block|unblock)|model\/(new|update|delete|:id\/update)|global\/spend\/reset|budget\/(new|update|info|delete)|tag\/(new|update|delete)|organization\/(new|delete)|cache\/(ping|delete)|invitation\/(new|update|delete))$/;
/** Changes an internal user may make on what it owns (its keys, itself, teams it administers). */
const SCOPED_WRITES =
  /^\/(key\/(generate|update|delete|regenerate|:key\/regenerate|:key\/reset_spend)|user\/update|team\/(new|update|member_add|bulk_member_add|member_delete|member_update|model\/add|model\/delete)|organization\/(update|member_add|member_update|member_delete))$/;

function mustRefuse(route: string, caller: Caller): boolean {
  if (PUBLIC.test(route)) return false;
  if (caller === 'none' || caller === 'bogus') return true;
  if (caller === 'jwt_team')
    return !LLM.test(route) && !(READS.test(route) && !ADMIN_READS.test(route));
  if (LLM.test(route)) return caller === 'proxy_admin_viewer';
  if (ADMIN_READS.test(route)) return caller !== 'proxy_admin_viewer';
  if (READS.test(route)) return false;
  if (ADMIN_ONLY.test(route)) return true;
  if (SCOPED_WRITES.test(route)) return caller !== 'internal_user';
  throw new Error(`route ${route} is not classified by this walk: add it to the policy above`);
}

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'mock/gpt-4o-mini' } }],
  general_settings: {
    master_key: MASTER_KEY,
    enable_jwt_auth: true,
    litellm_jwtauth: { user_id_jwt_field: 'sub', team_ids_jwt_field: 'groups' },
  },
};

for (const database of await testDatabases()) {
  describe(`route × role walk on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;
    let api: AdminClient;
    const keys: Record<Caller, string> = {
      none: '',
      bogus: 'sk-not-a-real-key-0000',
      proxy_admin_viewer: '',
      internal_user: '',
      internal_user_viewer: '',
      jwt_team: '',
    };
    let jwks: JwksServer;

    before(async () => {
      opened = await database.open();
      jwks = await startJwksServer();
      await jwks.addKey();
      gateway = await startGateway(CONFIG, {
        store: opened.store,
        env: { JWT_PUBLIC_KEY_URL: jwks.url, JWT_AUDIENCE: TEST_AUDIENCE },
      });
      api = adminClient(gateway.url, MASTER_KEY);
      assert.equal((await api.post('/team/new', { team_id: 'walk-team' })).status, 200);
      keys.jwt_team = await jwks.sign({ sub: 'walk-jwt', groups: ['walk-team'] });
      for (const role of ['proxy_admin_viewer', 'internal_user', 'internal_user_viewer'] as const) {
        const r = await api.post('/user/new', { user_id: `walk-${role}`, user_role: role });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        keys[role] = r.body.key as string;
      }
    });
    after(async () => {
      await gateway.close();
      await opened.close();
      await jwks.close();
    });

    it('every route refuses every caller the policy says it must', async () => {
      const checked: string[] = [];
      for (const route of Object.keys(ROUTE_ACCESS)) {
        const path = route
          .replace(':model', 'gpt-4o-mini')
          .replace(':key', 'sk-x')
          .replace(':id', 'm1');
        const method =
          (READS.test(route) && !POST_READS.test(route)) ||
          PUBLIC.test(route) ||
          ADMIN_PAGES.test(route) ||
          LLM_READS.test(route)
            ? 'GET'
            : route === '/model/:id/update'
              ? 'PATCH'
              : 'POST';
        for (const caller of Object.keys(keys) as Caller[]) {
          if (!mustRefuse(route, caller)) continue;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (caller !== 'none') headers.authorization = `Bearer ${keys[caller]}`;
          const response = await fetch(`${gateway.url}${path}`, {
            method,
            headers,
            ...(method === 'GET'
              ? {}
              : {
                  body: JSON.stringify({
                    model: 'gpt-4o-mini',
                    messages: [{ role: 'user', content: 'x' }],
                  }),
                }),
          });
          const text = await response.text();
          assert.ok(
            response.status === 401 || response.status === 403,
            `${method} ${path} as ${caller} must be refused, got ${response.status}: ${text.slice(0, 200)}`,
          );
          checked.push(`${route} ${caller}`);
        }
      }
      assert.ok(checked.length > 100, `walked ${checked.length} refusals`);
    });

    it('lets each role through where the policy allows it (not refused for its role)', async () => {
      const allowed: [string, Caller][] = [
        ['/v1/chat/completions', 'internal_user_viewer'],
        ['/key/list', 'proxy_admin_viewer'],
        ['/audit/logs', 'proxy_admin_viewer'],
        ['/user/info', 'internal_user_viewer'],
        ['/spend/logs', 'internal_user'],
        ['/global/spend/report?start_date=2025-01-01&end_date=2025-01-02', 'internal_user_viewer'],
        ['/spend/tags', 'proxy_admin_viewer'],
        ['/provider/budgets', 'proxy_admin_viewer'],
        ['/guardrails/list', 'internal_user_viewer'],
        ['/key/generate/bounds', 'internal_user_viewer'],
        ['/key/generate/bounds', 'proxy_admin_viewer'],
        ['/v1/chat/completions', 'jwt_team'],
        ['/team/info?team_id=walk-team', 'jwt_team'],
      ];
      for (const [route, caller] of allowed) {
        const response =
          route === '/v1/chat/completions'
            ? await api.chat('gpt-4o-mini', keys[caller])
            : await api.get(route, keys[caller]);
        assert.equal(
          response.status,
          200,
          `${route} as ${caller}: ${JSON.stringify(response.body)}`,
        );
      }
    });
  });
}
