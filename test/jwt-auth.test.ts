/**
 * JWT auth for API calls through a real gateway: tokens signed by a local JWKS server, mapped to
 * users and teams with `litellm_jwtauth`; the chosen team's budget applies and its spend is
 * booked; every kind of bad token is refused with a 401 that says why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import {
  startJwksServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type JwksServer,
} from './helpers/jwks-server.js';

const CONFIG = {
  model_list: [
    {
      model_name: 'priced',
      litellm_params: {
        model: 'mock/priced',
        input_cost_per_token: 0.0001,
        output_cost_per_token: 0.0002,
      },
    },
    { model_name: 'other', litellm_params: { model: 'mock/other' } },
    { model_name: 'third', litellm_params: { model: 'mock/third' } },
  ],
  general_settings: {
    master_key: MASTER_KEY,
    enable_jwt_auth: true,
    litellm_jwtauth: {
      user_id_jwt_field: 'sub',
      user_email_jwt_field: 'email',
      team_ids_jwt_field: 'groups',
      end_user_id_jwt_field: 'customer',
      user_id_upsert: true,
    },
  },
  litellm_settings: {
    default_internal_user_params: { user_role: 'internal_user', max_budget: 7 },
  },
};

for (const database of await testDatabases()) {
  describe(`JWT auth on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let jwks: JwksServer;
    let gateway: TestGateway;
    let api: AdminClient;

    before(async () => {
      jwks = await startJwksServer();
      await jwks.addKey('RS256');
      opened = await database.open();
      gateway = await startGateway(CONFIG, {
        store: opened.store,
        env: {
          JWT_PUBLIC_KEY_URL: jwks.url,
          JWT_AUDIENCE: TEST_AUDIENCE,
          JWT_ISSUER: TEST_ISSUER,
        },
      });
      api = adminClient(gateway.url, MASTER_KEY);
      for (const team of [
        { team_id: 'eng', models: ['priced'] },
        { team_id: 'research', models: ['other'] },
        { team_id: 'broke', models: ['priced'], max_budget: 0 },
      ]) {
        const created = await api.post('/team/new', team);
        assert.equal(created.status, 200, JSON.stringify(created.body));
      }
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
      await jwks?.close();
    });

    it('books a call to the team that may use the model, and creates the user with the defaults', async () => {
      const token = await jwks.sign({
        sub: 'alice',
        email: 'alice@example.com',
        groups: ['research', 'eng'],
      });
      const reply = await api.chat('priced', token);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      await gateway.app.ledger?.flush();
      const team = await api.get('/team/info?team_id=eng');
      assert.ok(team.body.team_info.spend > 0, JSON.stringify(team.body.team_info));
      const research = await api.get('/team/info?team_id=research');
      assert.equal(research.body.team_info.spend, 0);
      const user = await api.get('/user/info?user_id=alice');
      assert.equal(user.status, 200, JSON.stringify(user.body));
      assert.equal(user.body.user_info.user_role, 'internal_user');
      assert.equal(user.body.user_info.max_budget, 7);
      assert.equal(user.body.user_info.user_email, 'alice@example.com');
      const logs = await api.get('/spend/logs?user_id=alice');
      const entry = (logs.body as { team_id: string; user: string }[])[0];
      assert.equal(entry?.team_id, 'eng');
    });

    it('picks the other team for the other model', async () => {
      const token = await jwks.sign({ sub: 'bob', groups: ['eng', 'research'] });
      assert.equal((await api.chat('other', token)).status, 200);
      await gateway.app.ledger?.flush();
      const logs = await api.get('/spend/logs?user_id=bob');
      assert.equal((logs.body as { team_id: string }[])[0]?.team_id, 'research');
    });

    it('books the call to the end user the token names (end_user_id_jwt_field)', async () => {
      const token = await jwks.sign({ sub: 'erin', groups: ['eng'], customer: 'acme-corp' });
      assert.equal((await api.chat('priced', token)).status, 200);
      await gateway.app.ledger?.flush();
      const logs = await api.get('/spend/logs?user_id=erin');
      assert.equal((logs.body as { end_user: string }[])[0]?.end_user, 'acme-corp');
      const customer = await api.get('/customer/info?end_user_id=acme-corp');
      assert.equal(customer.status, 200, JSON.stringify(customer.body));
      assert.ok((customer.body.spend as number) > 0);
    });

    it('the end user a token names is not overridden by the request', async () => {
      const token = await jwks.sign({ sub: 'erin', groups: ['eng'], customer: 'acme-corp' });
      const reply = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-litellm-customer-id': 'someone-else',
        },
        body: JSON.stringify({
          model: 'priced',
          user: 'also-someone-else',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      assert.equal(reply.status, 200);
      const callId = reply.headers.get('x-litellm-call-id');
      await gateway.app.ledger?.flush();
      const logs = await api.get(`/spend/logs?request_id=${callId}`);
      assert.equal((logs.body as { end_user: string }[])[0]?.end_user, 'acme-corp');
      for (const other of ['someone-else', 'also-someone-else']) {
        const none = await api.get(`/customer/info?end_user_id=${other}`);
        assert.notEqual(none.status, 200, `${other} was charged nothing`);
      }
    });

    it("applies the chosen team's budget", async () => {
      const token = await jwks.sign({ sub: 'carol', groups: ['broke'] });
      const reply = await api.chat('priced', token);
      assert.equal(reply.status, 429, JSON.stringify(reply.body));
      assert.equal(reply.body.error.type, 'budget_exceeded');
      assert.match(reply.body.error.message, /broke/);
    });

    it("applies the budget and models of the chosen team's organization", async () => {
      const org = await api.post('/organization/new', {
        organization_id: 'jwt-org',
        organization_alias: 'jwt-org',
        models: ['priced', 'other'],
        max_budget: 0,
      });
      assert.equal(org.status, 200, JSON.stringify(org.body));
      const team = await api.post('/team/new', { team_id: 'in-org', organization_id: 'jwt-org' });
      assert.equal(team.status, 200, JSON.stringify(team.body));
      const token = await jwks.sign({ sub: 'gina', groups: ['in-org'] });
      const broke = await api.chat('priced', token);
      assert.equal(broke.status, 429, JSON.stringify(broke.body));
      assert.match(broke.body.error.message, /Budget has been exceeded! Organization=jwt-org/);
      const outside = await api.chat('third', token);
      assert.equal(outside.status, 401, JSON.stringify(outside.body));
      assert.match(outside.body.error.message, /Organization not allowed to access model/);
    });

    it('refuses a model no team of the token may use', async () => {
      const token = await jwks.sign({ sub: 'dave', groups: ['eng', 'research'] });
      const reply = await api.chat('third', token);
      assert.equal(reply.status, 403);
      assert.equal(
        reply.body.error.message,
        "No team has access to the requested model: third. Checked teams=['eng', 'research']. Check `/models` to see all available models.",
      );
    });

    it('limits team callers to the team routes and lets admin-scope tokens manage', async () => {
      const member = await jwks.sign({ sub: 'erin', groups: ['eng'] });
      const refused = await api.post('/team/new', { team_id: 'erin-team' }, member);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const admin = await jwks.sign({ sub: 'root', scope: 'openid litellm_proxy_admin' });
      const listed = await api.get('/user/list', admin);
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      // admin_allowed_routes leaves out the LLM routes, as in LiteLLM.
      assert.equal((await api.chat('priced', admin)).status, 403);
    });

    it('refuses a team the database does not have', async () => {
      const token = await jwks.sign({ sub: 'frank', groups: ['ghost'] });
      const reply = await api.chat('priced', token);
      assert.equal(reply.status, 401);
      assert.match(reply.body.error.message, /Team doesn't exist in db\. Team=ghost/);
    });

    describe('refusals', () => {
      const refusals: [string, () => Promise<string>, RegExp][] = [
        [
          'alg none',
          async () =>
            new UnsecuredJWT({ sub: 'alice', groups: ['eng'] })
              .setIssuer(TEST_ISSUER)
              .setAudience(TEST_AUDIENCE)
              .setExpirationTime('5m')
              .encode(),
          /unsigned tokens \(alg: none\) are not accepted/,
        ],
        [
          'HS256, a symmetric algorithm',
          async () =>
            new SignJWT({ sub: 'alice', groups: ['eng'] })
              .setProtectedHeader({ alg: 'HS256' })
              .setIssuer(TEST_ISSUER)
              .setAudience(TEST_AUDIENCE)
              .setExpirationTime('5m')
              .sign(new TextEncoder().encode(jwksPublicText())),
          /algorithm HS256 is not accepted/,
        ],
        [
          'expired',
          () => jwks.sign({ sub: 'alice', groups: ['eng'] }, { expiresIn: -60 }),
          /expired \(exp\)/,
        ],
        [
          'not yet valid',
          () => jwks.sign({ sub: 'alice', groups: ['eng'] }, { notBefore: 3600 }),
          /not valid yet \(nbf\)/,
        ],
        [
          'wrong issuer',
          () => jwks.sign({ sub: 'alice' }, { issuer: 'https://evil.example' }),
          /wrong issuer \(iss\)/,
        ],
        [
          'wrong audience',
          () => jwks.sign({ sub: 'alice' }, { audience: 'someone-else' }),
          /wrong audience \(aud\)/,
        ],
        [
          'unknown kid',
          async () => {
            const kid = await jwks.addKey('RS256', { publish: false });
            return jwks.sign({ sub: 'alice', groups: ['eng'] }, { kid });
          },
          /no key of JWT_PUBLIC_KEY_URL matches its key id \(kid\)/,
        ],
        [
          'tampered payload',
          async () => {
            const token = await jwks.sign({ sub: 'alice', groups: ['research'] });
            const [header, , signature] = token.split('.');
            const payload = Buffer.from(
              JSON.stringify({
                sub: 'alice',
                groups: ['eng'],
                iss: TEST_ISSUER,
                aud: TEST_AUDIENCE,
                exp: Math.floor(Date.now() / 1000) + 300,
              }),
            ).toString('base64url');
            return `${header}.${payload}.${signature}`;
          },
          /signature does not match/,
        ],
        ['garbage in three parts', async () => 'abc.def.ghi', /not a well-formed JWT/],
      ];
      for (const [name, token, message] of refusals) {
        it(`refuses ${name} with a 401`, async () => {
          const reply = await api.chat('priced', await token());
          assert.equal(reply.status, 401, JSON.stringify(reply.body));
          assert.equal(reply.body.error.type, 'auth_error');
          assert.match(reply.body.error.message, message);
        });
      }
    });

    function jwksPublicText(): string {
      return jwks.url;
    }
  });
}
