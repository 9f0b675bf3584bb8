/**
 * The JWKS side of JWT auth: key sets are cached (one fetch for many tokens), a token signed
 * with a newly published key is accepted once the key set is fetched again (rotation), and a
 * key may be in any of several JWKS URLs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createJwtVerifier } from '../src/auth/jwt-verifier.js';
import { buildConfig } from '../src/config/load-config.js';
import { ConfigError } from '../src/config/config-error.js';
import {
  startJwksServer,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type JwksServer,
} from './helpers/jwks-server.js';

describe('JWT verifier', () => {
  let first: JwksServer;
  let second: JwksServer;

  before(async () => {
    first = await startJwksServer();
    second = await startJwksServer();
    await first.addKey('RS256');
    await second.addKey('ES256');
  });
  after(async () => {
    await first?.close();
    await second?.close();
  });

  function verifier(urls: string[]) {
    return createJwtVerifier({
      publicKeyUrls: urls.map((u) => new URL(u)),
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      cacheMaxAgeMs: 600_000,
      cooldownMs: 0,
    });
  }

  it('fetches the key set once for many tokens', async () => {
    const verify = verifier([first.url]);
    const before = first.fetches();
    for (let i = 0; i < 5; i += 1) {
      const payload = await verify(await first.sign({ sub: `u${i}` }));
      assert.equal(payload.sub, `u${i}`);
    }
    assert.equal(first.fetches() - before, 1);
  });

  it('picks up a rotated key', async () => {
    const verify = verifier([first.url]);
    await verify(await first.sign({ sub: 'warm' }));
    const kid = await first.addKey('PS256', { publish: false });
    const token = await first.sign({ sub: 'rotated' }, { kid });
    await assert.rejects(verify(token), /matches its key id/);
    first.publish(kid);
    assert.equal((await verify(token)).sub, 'rotated');
  });

  it('finds the key in any of several JWKS URLs', async () => {
    const verify = verifier([first.url, second.url]);
    assert.equal((await verify(await second.sign({ sub: 'from-second' }))).sub, 'from-second');
    assert.equal((await verify(await first.sign({ sub: 'from-first' }))).sub, 'from-first');
  });

  it('answers 503 when the key set cannot be fetched', async () => {
    const verify = verifier(['http://127.0.0.1:1/jwks']);
    await assert.rejects(verify(await first.sign({ sub: 'x' })), { status: 503 });
  });
});

describe('JWT auth settings', () => {
  it('need JWT_PUBLIC_KEY_URL when enable_jwt_auth is on', () => {
    assert.throws(
      () => buildConfig({ general_settings: { enable_jwt_auth: true } }, {}),
      (error: unknown) =>
        error instanceof ConfigError && /JWT_PUBLIC_KEY_URL: must be set/.test(error.message),
    );
  });

  it('take several comma-separated JWKS URLs and LiteLLM defaults', () => {
    const config = buildConfig(
      {
        general_settings: {
          enable_jwt_auth: true,
          litellm_jwtauth: { team_ids_jwt_field: 'groups' },
        },
      },
      { JWT_PUBLIC_KEY_URL: 'https://a.example/jwks, https://b.example/jwks', JWT_AUDIENCE: 'api' },
    );
    assert.deepEqual(config.jwtAuth?.publicKeyUrls.map(String), [
      'https://a.example/jwks',
      'https://b.example/jwks',
    ]);
    assert.equal(config.jwtAuth?.audience, 'api');
    assert.equal(config.jwtAuth?.fields.admin_jwt_scope, 'litellm_proxy_admin');
    assert.deepEqual(config.jwtAuth?.fields.team_allowed_routes, ['openai_routes', 'info_routes']);
  });

  it('refuse user_roles_jwt_field without user_allowed_roles', () => {
    assert.throws(
      () =>
        buildConfig(
          { general_settings: { litellm_jwtauth: { user_roles_jwt_field: 'roles' } } },
          {},
        ),
      /user_allowed_roles: must be provided/,
    );
  });
});
