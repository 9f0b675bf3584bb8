/**
 * One attempt against one deployment: build the provider request, send it, and either decode the
 * whole answer or open the stream far enough to know it started (so a failure before the first
 * chunk can still be retried or fall back).
 */
import type { Deployment } from '../contracts/deployment.js';
import type {
  CallContext,
  Operation,
  ProviderAdapter,
  StreamDecoder,
  StreamEvent,
} from '../providers/types.js';
import { ProviderError } from '../providers/types.js';
import type { Cancellation } from './cancellation.js';
import {
  toProviderError,
  type UpstreamBody,
  type UpstreamTransport,
} from './upstream-transport.js';

export interface Timeouts {
  /** Whole-call limit for non-streaming requests. */
  totalMs: number;
  /** First byte and gap-between-chunks limit for streams. */
  streamIdleMs: number;
}

export interface AttemptEnv {
  adapter: ProviderAdapter;
  transport: UpstreamTransport;
  cancel: Cancellation;
  timeouts: Timeouts;
  /** The route forwards OpenAI SSE as it came: decode with `pushWire` where the decoder has it. */
  wire?: boolean;
  /** Told of every upstream answer's headers (the provider's own rate-limit gauges). */
  limits?: { observe(d: Deployment, headers: Readonly<Record<string, string>>): void };
}

export async function callOnce<Req, Res>(
  op: Operation<Req, Res, unknown>,
  request: Req,
  ctx: CallContext,
  env: AttemptEnv,
): Promise<Res> {
  // undici enforces the timeout (headers within it, and no longer silence in the body) with its
  // own coarse timers: cheaper on the hot path than a controller and timer of our own.
  try {
    const upstream = await op.buildRequest(request, ctx);
    const response = await env.transport.send(upstream, {
      cancel: env.cancel,
      headersTimeoutMs: env.timeouts.totalMs,
      bodyTimeoutMs: env.timeouts.totalMs,
    });
    env.limits?.observe(ctx.deployment, response.headers);
    const text = await response.body.text();
    if (response.status >= 400) {
      throw env.adapter.parseError(response.status, text, response.headers);
    }
    return op.parseResponse(text, ctx);
  } catch (error: unknown) {
    throw error instanceof ProviderError ? error : toProviderError(error);
  }
}

export interface OpenedStream<Chunk> {
  /** Events already decoded while waiting for the stream to start. */
  first: StreamEvent<Chunk>[];
  /**
   * The rest of the stream, decoded, one batch per upstream network chunk (so the route writes
   * once per chunk); throws ProviderError on cut or stalled streams.
   */
  rest: AsyncIterable<StreamEvent<Chunk>[]>;
  deployment: Deployment;
  /** Runs `fn` once the stream is over, however it ends (at once if it already has). */
  whenDone(fn: () => void): void;
}

export async function openStream<Req, Chunk>(
  op: Operation<Req, unknown, Chunk>,
  request: Req,
  ctx: CallContext,
  env: AttemptEnv,
): Promise<OpenedStream<Chunk>> {
  if (!op.createStreamDecoder) {
    throw new ProviderError(
      'bad_request',
      `${env.adapter.displayName} does not support streaming here`,
      { status: 400 },
    );
  }
  const made = op.createStreamDecoder(ctx);
  const pushWire = env.wire === true ? made.pushWire : undefined;
  const decoder: StreamDecoder<Chunk> = pushWire
    ? { push: (bytes) => pushWire.call(made, bytes), end: () => made.end() }
    : made;
  const upstream = await op.buildRequest(request, ctx);
  const response = await env.transport.send(upstream, {
    cancel: env.cancel,
    headersTimeoutMs: env.timeouts.streamIdleMs,
    bodyTimeoutMs: env.timeouts.streamIdleMs,
  });
  env.limits?.observe(ctx.deployment, response.headers);
  if (response.status >= 400) {
    const text = await response.body.text();
    throw env.adapter.parseError(response.status, text, response.headers);
  }
  const iterator = response.body[Symbol.asyncIterator]();
  // Read until at least one event is decoded, so errors before the first token stay retryable.
  const first: StreamEvent<Chunk>[] = [];
  let ended = false;
  try {
    while (first.length === 0 && !ended) {
      const next = await nextChunk(iterator);
      if (next.done) {
        first.push(...decoder.end());
        ended = true;
      } else first.push(...decoder.push(next.value));
    }
  } catch (error: unknown) {
    await iterator.return?.();
    throw error;
  }
  const cleanups: (() => void)[] = [];
  return {
    first,
    rest: ended ? empty() : remaining(iterator, decoder, cleanups),
    deployment: ctx.deployment,
    whenDone: (fn) => (ended ? fn() : cleanups.push(fn)),
  };
}

async function nextChunk(iterator: AsyncIterator<Uint8Array>): Promise<IteratorResult<Uint8Array>> {
  try {
    return await iterator.next();
  } catch (error: unknown) {
    throw toProviderError(error);
  }
}

async function* remaining<Chunk>(
  iterator: AsyncIterator<Uint8Array>,
  decoder: StreamDecoder<Chunk>,
  cleanups: (() => void)[],
): AsyncIterable<StreamEvent<Chunk>[]> {
  try {
    for (;;) {
      const next = await nextChunk(iterator);
      if (next.done) break;
      const events = decoder.push(next.value);
      if (events.length > 0) yield events;
    }
    // Usually empty: one more turn of the consumer's loop for nothing.
    const last = decoder.end();
    if (last.length > 0) yield last;
  } finally {
    for (const fn of cleanups) fn();
    await iterator.return?.();
  }
}

async function* empty<T>(): AsyncIterable<T> {}

export type { UpstreamBody };
