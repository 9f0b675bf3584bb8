/**
 * A browser's view of the gateway for sign-in tests: the cookies it was given, sent back on each
 * request, with or without the CSRF header.
 */

export interface WebSession {
  /** The `Cookie` header a browser would send. */
  cookie: string;
  /** The `tollgate_csrf` cookie's value. */
  csrf: string;
}

export interface WebResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields
  body: any;
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function cookiesOf(response: { headers: Headers }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (pair && at > 0) out[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
  }
  return out;
}

export function sessionFrom(response: { headers: Headers }): WebSession {
  const cookies = cookiesOf(response);
  const id = cookies.tollgate_session;
  const csrf = cookies.tollgate_csrf;
  if (!id || !csrf) throw new Error('the response set no session cookies');
  return { cookie: `tollgate_session=${id}; tollgate_csrf=${csrf}`, csrf };
}

export async function webCall(
  url: string,
  init: {
    method?: string;
    body?: unknown;
    session?: WebSession;
    csrf?: string | false;
    headers?: Record<string, string>;
  },
): Promise<WebResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  if (init.session) headers.cookie = init.session.cookie;
  const csrf = init.csrf === undefined ? init.session?.csrf : init.csrf;
  if (csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    redirect: 'manual',
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body };
}

/** Signs in with JSON; throws unless it succeeded. */
export async function signIn(
  baseUrl: string,
  username: string,
  password: string,
): Promise<WebSession & { body: WebResponse['body'] }> {
  const r = await webCall(`${baseUrl}/login`, { body: { username, password } });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...sessionFrom(r), body: r.body };
}
