/**
 * A real OpenID provider for SSO tests: the certified `oidc-provider` package on 127.0.0.1,
 * with a client for the gateway and users with groups and roles. Its development sign-in pages
 * take any password; the user name picks the account. `signInThrough` drives a browser-less
 * sign-in over HTTP: it follows redirects with a cookie jar and fills in the provider's forms.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdpUser {
  sub: string;
  email?: string;
  preferred_username?: string;
  name?: string;
  groups?: string[];
  role?: string;
}

export const IDP_CLIENT_ID = 'tollgate-ui';
export const IDP_CLIENT_SECRET = 'tollgate-ui-secret-0123456789';

export interface TestIdp {
  issuer: string;
  /** Starts answering: the gateway's redirect URIs are known once it listens. */
  configure(redirectUris: string[]): void;
  /** Adds or replaces a user (its groups may change between sign-ins). */
  setUser(user: TestIdpUser): void;
  close(): Promise<void>;
}

export async function startTestIdp(): Promise<TestIdp> {
  const users = new Map<string, TestIdpUser>();
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    configure(redirectUris) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: IDP_CLIENT_ID,
            client_secret: IDP_CLIENT_SECRET,
            redirect_uris: redirectUris,
            response_types: ['code'],
            grant_types: ['authorization_code'],
            token_endpoint_auth_method: 'client_secret_post',
          },
        ],
        claims: {
          openid: ['sub'],
          email: ['email'],
          profile: ['preferred_username', 'name'],
          groups: ['groups', 'role'],
        },
        findAccount: (_ctx, id) => {
          const user = users.get(id);
          if (!user) return undefined;
          return { accountId: id, claims: () => ({ ...user }) };
        },
        pkce: { required: () => true },
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ['test-idp-cookie-key'] },
      });
      handler = provider.callback();
    },
    setUser: (user) => users.set(user.sub, user),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Cookies by origin, as a browser keeps them (paths and expiry ignored; deletion honoured). */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  header(url: URL): string {
    const jar = this.byOrigin.get(url.origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  get(origin: string, name: string): string | undefined {
    return this.byOrigin.get(origin)?.get(name);
  }

  take(url: URL, response: Response): void {
    const jar = this.byOrigin.get(url.origin) ?? new Map<string, string>();
    this.byOrigin.set(url.origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const gone = value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line);
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
  }
}

export interface SignInResult {
  /** The last URL reached (where the gateway sent the browser in the end). */
  url: URL;
  status: number;
  body: string;
}

/**
 * Opens `start` and goes where it leads: redirects are followed, the provider's sign-in form is
 * filled in with `login`, its consent form is confirmed; stops at the first answer that is
 * neither (or after `stopAt` says so for a URL).
 */
export async function signInThrough(
  start: URL,
  login: string,
  jar: CookieJar,
  stopAt: (url: URL) => boolean = () => false,
): Promise<SignInResult> {
  let url = start;
  let init: RequestInit = { method: 'GET' };
  for (let hop = 0; hop < 20; hop += 1) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) },
    });
    jar.take(url, response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      init = { method: 'GET' };
      if (stopAt(url)) return { url, status: response.status, body: '' };
      continue;
    }
    const body = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(body);
    if (!form?.[1]) return { url, status: response.status, body };
    const fields = new URLSearchParams();
    for (const [tag] of body.matchAll(/<input[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(tag)?.[1] ?? '';
      const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
      if (name === 'login') fields.set(name, login);
      else if (name === 'password') fields.set(name, 'any-password');
      else if (name !== '') fields.set(name, value);
    }
    url = new URL(form[1].replaceAll('&amp;', '&'), url);
    init = {
      method: 'POST',
      body: fields.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new Error(`sign-in did not finish after 20 steps, at ${url.href}`);
}
