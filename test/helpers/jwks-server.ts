/**
 * A local identity provider's key endpoint for JWT tests: an HTTP server on 127.0.0.1 that serves
 * a JWKS of the keys added to it, and signs tokens with them (jose). Keys can be added and taken
 * away while it runs, to test rotation.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

interface SigningKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface SignOptions {
  kid?: string;
  /** Seconds from now; default 300. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
}

export interface JwksServer {
  url: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  /** Adds a key (published at once unless `publish` is false); returns its kid. */
  addKey(alg?: string, options?: { publish?: boolean }): Promise<string>;
  publish(kid: string): void;
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export const TEST_ISSUER = 'https://idp.example.test';
export const TEST_AUDIENCE = 'tollgate-api';

export async function startJwksServer(): Promise<JwksServer> {
  const keys = new Map<string, SigningKey>();
  const published = new Set<string>();
  let fetches = 0;
  let firstKid: string | undefined;
  const server: Server = createServer((_request, response) => {
    fetches += 1;
    const body = JSON.stringify({
      keys: [...published].map((kid) => keys.get(kid)!.jwk),
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    fetches: () => fetches,
    async addKey(alg = 'RS256', options = {}) {
      const kid = randomUUID();
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      keys.set(kid, { alg, privateKey, jwk });
      if (options.publish !== false) published.add(kid);
      firstKid ??= kid;
      return kid;
    },
    publish: (kid) => published.add(kid),
    async sign(claims, options = {}) {
      const kid = options.kid ?? firstKid;
      const key = kid === undefined ? undefined : keys.get(kid);
      if (!key || kid === undefined) throw new Error('add a key first');
      const now = Math.floor(Date.now() / 1000);
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT' })
        .setIssuedAt(now)
        .setIssuer(options.issuer ?? TEST_ISSUER)
        .setAudience(options.audience ?? TEST_AUDIENCE)
        .setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
