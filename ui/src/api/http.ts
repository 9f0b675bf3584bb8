/**
 * The one way the pages talk to the gateway: same-origin JSON with the session cookie, the CSRF
 * token on every request that changes something, and errors turned into sentences a person can
 * act on (the gateway's own message when it has one).
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

let csrfToken: string | undefined;

/** Set from /session and /login; falls back to the readable `tollgate_csrf` cookie. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

function currentCsrfToken(): string | undefined {
  if (csrfToken) return csrfToken;
  const match = /(?:^|;\s*)tollgate_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Listeners told when the gateway says the session is gone (401 outside the login form). */
const sessionLost = new Set<() => void>();
export function onSessionLost(listener: () => void): () => void {
  sessionLost.add(listener);
  return () => sessionLost.delete(listener);
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const token = currentCsrfToken();
    if (token) headers['x-csrf-token'] = token;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The gateway cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && path !== '/login' && path !== '/session') {
      for (const listener of sessionLost) listener();
    }
    throw new ApiError(response.status, describeFailure(response.status, parsed));
  }
  return parsed as T;
}

/**
 * Ends the session. The redirect `/logout` answers with is not followed here (it may lead to
 * another site, which fetch cannot reach); the caller sends the page on instead.
 */
export async function endSession(): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = currentCsrfToken();
  if (token) headers['x-csrf-token'] = token;
  await fetch('/logout', {
    method: 'POST',
    headers,
    body: '{}',
    credentials: 'same-origin',
    redirect: 'manual',
  }).catch(() => undefined);
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown = {}, headers?: Record<string, string>) =>
    request<T>('POST', path, body, headers),
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The gateway's message (LiteLLM's `error.message` or `detail`), or a plain sentence. */
export function describeFailure(status: number, body: unknown): string {
  const message = messageOf(body);
  if (message) return message;
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found.';
  if (status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status >= 500) return 'The gateway had a problem. Try again in a moment.';
  return `The request failed (${status}).`;
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300) || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (error && typeof error === 'object') {
    const text = (error as Record<string, unknown>).message;
    if (typeof text === 'string') return text;
  }
  if (typeof error === 'string') return error;
  const detail = record.detail;
  if (typeof detail === 'string') return detail;
  if (detail && typeof detail === 'object') {
    const inner = (detail as Record<string, unknown>).error;
    if (typeof inner === 'string') return inner;
  }
  if (typeof record.message === 'string') return record.message;
  return undefined;
}
