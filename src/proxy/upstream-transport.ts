/**
 * Sends provider requests: undici with keep-alive pools for real upstreams, the in-process mock for
 * `mock://` URLs. Timeouts and client aborts surface as ProviderErrors so the router can act.
 */
import type { Dispatcher } from 'undici';
import { answerMockRequest } from '../providers/mock/mock-upstream.js';
import { ProviderError, type UpstreamRequest } from '../providers/types.js';
import type { Cancellation } from './cancellation.js';
import { Pool, errors } from './undici-pool.js';

/**
 * An upstream body: iterable as it arrives (each step yields all the bytes that came since the
 * last), or read whole with `text()`, once either way. An iterator returned early (`return()`)
 * abandons the rest of the body.
 */
export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: UpstreamBody;
}

export interface SendOptions {
  /** The request's cancellation: aborting it aborts the upstream request, body included. */
  cancel: Cancellation;
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
    send(request, options) {
      if (request.url.startsWith('mock:')) return sendToMock(request);
      try {
        const { origin, path } = splitUrl(request.url);
        const exchange = new UpstreamExchange(options.cancel);
        poolFor(origin).dispatch(
          {
            path,
            method: request.method ?? 'POST',
            headers: request.headers,
            body: request.bytes ?? request.body,
            headersTimeout: options.headersTimeoutMs,
            bodyTimeout: options.bodyTimeoutMs,
          },
          exchange,
        );
        return exchange.response;
      } catch (error: unknown) {
        return Promise.reject(toProviderError(error));
      }
    },
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

async function sendToMock(request: UpstreamRequest): Promise<UpstreamResponse> {
  const reply = answerMockRequest(request.url, request.headers, request.body ?? '{}');
  return { status: reply.status, headers: reply.headers, body: withText(reply.body) };
}

/**
 * Bytes a streaming consumer may fall behind by before the upstream connection is paused: the
 * high-water mark of Node's streams, where `pool.request`'s body stream paused. Not a count of
 * chunks: an SSE burst arrives as many small chunks from one socket read, and pausing in it would
 * put the rest of the read back on the socket to be parsed again on resume.
 */
const MAX_QUEUED_BYTES = 64 * 1024;

/**
 * One upstream request on undici's dispatch API, and its response body. `pool.request` would wrap
 * the body in a Readable stream (stream state, nextTick turns, an abort listener) for every
 * request; the proxy only ever wants the whole text or the chunks in order, so they are kept
 * here: buffered until the end for `text()`, or queued for the iterator, the connection paused
 * while the consumer is more than MAX_QUEUED_BYTES behind.
 */
class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamBody {
  /** Settles when the response headers arrive (or the request fails before them). */
  readonly response: Promise<UpstreamResponse>;
  private respond!: (response: UpstreamResponse) => void;
  private fail!: (error: ProviderError) => void;
  private started = false;
  private controller: Dispatcher.DispatchController | undefined;
  private readonly stopListening: () => void;
  private readonly chunks: Buffer[] = [];
  private queuedBytes = 0;
  /** No more chunks will come: the body ended or failed, or its consumer left. */
  private over = false;
  private failure: ProviderError | undefined;
  /** `text()` is reading: chunks are kept whole, the reader is woken only at the end. */
  private buffering = false;
  private wake: (() => void) | undefined;

  constructor(private readonly cancel: Cancellation) {
    this.response = new Promise((resolve, reject) => {
      this.respond = resolve;
      this.fail = reject;
    });
    this.stopListening = cancel.onAbort((reason) => this.controller?.abort(reason));
  }

  // --- undici's side ---

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on a fresh connection.
    this.controller = controller;
    // Aborted while the request waited for a connection: the listener had nothing to abort.
    if (this.cancel.reason) controller.abort(this.cancel.reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx informational: the real answer follows
    this.started = true;
    this.respond({ status: statusCode, headers: flattenHeaders(headers), body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.over) return;
    this.chunks.push(chunk);
    if (this.buffering) return;
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) controller.pause();
    this.notify();
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.over) return; // the consumer left and aborted the rest itself
    const failure = toProviderError(error);
    this.finish(failure);
    if (!this.started) this.fail(failure);
  }

  // --- the consumer's side ---

  async text(): Promise<string> {
    this.buffering = true;
    this.controller?.resume(); // in case chunks piled up before the reader came
    while (!this.over) await this.changed();
    if (this.failure) throw this.failure;
    return Buffer.concat(this.chunks).toString('utf8');
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  /**
   * Everything that arrived since the last read, as one chunk: an upstream writes each SSE event
   * as its own HTTP chunk, and a burst of them read from the socket at once is then decoded and
   * written on as one piece instead of one consumer turn per event. Nothing waits for it: what
   * has not arrived yet is not waited for.
   */
  async next(): Promise<IteratorResult<Uint8Array>> {
    while (this.chunks.length === 0 && !this.over) await this.changed();
    const chunks = this.chunks;
    if (chunks.length > 0) {
      const chunk = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      chunks.length = 0;
      this.queuedBytes = 0;
      // Caught up: let undici read on (it may push the next chunks synchronously).
      if (this.controller?.paused) this.controller.resume();
      return { done: false, value: chunk };
    }
    if (this.failure) throw this.failure;
    return { done: true, value: undefined };
  }

  /** The consumer stops early: the rest of the body is not wanted, so the request is aborted. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.over) {
      this.finish();
      this.controller?.abort(new errors.RequestAbortedError('upstream body abandoned'));
    }
    this.chunks.length = 0;
    return { done: true, value: undefined };
  }

  // ---

  private finish(failure?: ProviderError): void {
    this.over = true;
    this.failure = failure;
    this.stopListening();
    this.notify();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
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
