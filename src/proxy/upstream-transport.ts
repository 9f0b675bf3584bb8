/**
 * Sends provider requests: undici with keep-alive pools for real upstreams, the in-process mock for
 * `mock://` URLs. Timeouts and client aborts surface as ProviderErrors so the router can act.
 */
import { Agent, request as undiciRequest } from 'undici';
import { answerMockRequest } from '../providers/mock/mock-upstream.js';
import { ProviderError, type UpstreamRequest } from '../providers/types.js';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
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
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256, pipelining: 1 });
  return {
    async send(request, options) {
      if (request.url.startsWith('mock:')) {
        const reply = answerMockRequest(request.url, request.headers, request.body ?? '{}');
        return { status: reply.status, headers: reply.headers, body: reply.body };
      }
      try {
        const response = await undiciRequest(request.url, {
          method: request.method ?? 'POST',
          headers: request.headers,
          body: request.body,
          dispatcher: agent,
          signal: options.signal,
          headersTimeout: options.headersTimeoutMs,
          bodyTimeout: options.bodyTimeoutMs,
        });
        return {
          status: response.statusCode,
          headers: flattenHeaders(response.headers),
          body: response.body,
        };
      } catch (error: unknown) {
        throw toProviderError(error);
      }
    },
    close: () => agent.close(),
  };
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
