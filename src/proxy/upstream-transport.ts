/**
 * Sends provider requests: undici with keep-alive pools for real upstreams, the in-process mock for
 * `mock://` URLs. Timeouts and client aborts surface as ProviderErrors so the router can act.
 */
import { Pool } from 'undici';
import { answerMockRequest } from '../providers/mock/mock-upstream.js';
import { ProviderError, type UpstreamRequest } from '../providers/types.js';

/** An upstream body: iterable chunk by chunk, or read whole with `text()`. */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: UpstreamBody;
}

export interface SendOptions {
  signal: AbortSignal;
  /** Time allowed until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence allowed between two body chunks. */
  bodyTimeoutMs: number;
}

export interface UpstreamTransport {
  send(request: UpstreamRequest, options: SendOptions): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export function createUpstreamTransport(): UpstreamTransport {
  // One keep-alive pool per upstream origin; dispatching to a Pool directly skips the Agent's
  // per-request URL parsing and origin lookup.
  const pools = new Map<string, Pool>();
  const poolFor = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 256, keepAliveTimeout: 30_000, pipelining: 1 });
      pools.set(origin, pool);
    }
    return pool;
  };
  return {
    async send(request, options) {
      if (request.url.startsWith('mock:')) {
        const reply = answerMockRequest(request.url, request.headers, request.body ?? '{}');
        return { status: reply.status, headers: reply.headers, body: withText(reply.body) };
      }
      try {
        const { origin, path } = splitUrl(request.url);
        const response = await poolFor(origin).request({
          path,
          method: request.method ?? 'POST',
          headers: request.headers,
          body: request.body,
          signal: options.signal,
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
        });
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: guardedBody(response.body),
        };
      } catch (error: unknown) {
        throw toProviderError(error);
      }
    },
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

/** `https://host:8443/v1/chat?x=1` → origin `https://host:8443`, path `/v1/chat?x=1`. */
export function splitUrl(url: string): { origin: string; path: string } {
  const scheme = url.indexOf('://');
  if (scheme === -1) throw new ProviderError('bad_request', `invalid upstream URL: ${url}`);
  const slash = url.indexOf('/', scheme + 3);
  if (slash === -1) return { origin: url, path: '/' };
  return { origin: url.slice(0, slash), path: url.slice(slash) };
}

/** Maps undici / network failures onto the router's error kinds. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = (error as { code?: string }).code;
  const name = (error as { name?: string }).name;
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    name === 'TimeoutError'
  ) {
    return new ProviderError('timeout', 'Request timed out', { status: 408, cause: error });
  }
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return new ProviderError('connection', 'Request aborted', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('connection', `Connection error: ${message}`, { cause: error });
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Reads a whole body as text, with the body timeout already enforced by undici. */
export async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
  } catch (error: unknown) {
    throw toProviderError(error);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function withText(body: AsyncIterable<Uint8Array>): UpstreamBody {
  return { [Symbol.asyncIterator]: () => body[Symbol.asyncIterator](), text: () => readText(body) };
}

/** undici's own `text()` (the fast path), with its failures mapped like the iterator's. */
function guardedBody(body: UpstreamBody): UpstreamBody {
  return {
    [Symbol.asyncIterator]: () => body[Symbol.asyncIterator](),
    text: () =>
      body.text().catch((error: unknown) => {
        throw toProviderError(error);
      }),
  };
}
