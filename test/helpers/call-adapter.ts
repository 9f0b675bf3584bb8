/**
 * Runs adapter operations against a real HTTP upstream with undici, the way the proxy does:
 * build the request, send it, and hand the answer (or the failure) back to the adapter.
 */
import { errors, request } from 'undici';
import type {
  CallContext,
  Operation,
  ProviderAdapter,
  StreamEvent,
} from '../../src/providers/types.js';
import { ProviderError } from '../../src/providers/types.js';

export interface AdapterClient {
  call<Req, Res>(op: Operation<Req, Res, unknown>, body: Req, ctx: CallContext): Promise<Res>;
  /** Streams and returns every translated chunk, including what `end()` adds. */
  stream<Req, Chunk>(
    op: Operation<Req, unknown, Chunk>,
    body: Req,
    ctx: CallContext,
  ): Promise<Chunk[]>;
}

export interface AdapterClientOptions {
  /** Gives up on a silent upstream after this long (undici's body timeout). */
  bodyTimeoutMs?: number;
}

export function adapterClient(
  adapter: ProviderAdapter,
  options: AdapterClientOptions = {},
): AdapterClient {
  const send = async <Req>(op: Operation<Req, unknown, unknown>, body: Req, ctx: CallContext) => {
    const upstream = await op.buildRequest(body, ctx);
    const response = await readOrFail(() =>
      request(upstream.url, {
        method: upstream.method ?? 'POST',
        headers: upstream.headers,
        body: upstream.body,
        bodyTimeout: options.bodyTimeoutMs ?? 10_000,
      }),
    );
    if (response.statusCode >= 400) {
      const text = await response.body.text();
      throw adapter.parseError(response.statusCode, text, flattenHeaders(response.headers));
    }
    return response;
  };
  return {
    async call(op, body, ctx) {
      const response = await send(op, body, ctx);
      const text = await readOrFail(() => response.body.text());
      return op.parseResponse(text, ctx);
    },
    async stream<Req, Chunk>(
      op: Operation<Req, unknown, Chunk>,
      body: Req,
      ctx: CallContext,
    ): Promise<Chunk[]> {
      if (!op.createStreamDecoder) throw new Error('operation does not stream');
      const streamCtx = { ...ctx, stream: true };
      const decoder = op.createStreamDecoder(streamCtx);
      const response = await send(op, body, streamCtx);
      const events: StreamEvent<Chunk>[] = [];
      await readOrFail(async () => {
        for await (const bytes of response.body) events.push(...decoder.push(bytes as Uint8Array));
      });
      events.push(...decoder.end());
      return events.map((e) => e.chunk);
    },
  };
}

/** A dropped socket or a silent upstream becomes the ProviderError the router expects. */
async function readOrFail<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error: unknown) {
    if (error instanceof ProviderError) throw error;
    if (error instanceof errors.BodyTimeoutError) {
      throw new ProviderError('timeout', 'upstream went silent', { cause: error });
    }
    throw new ProviderError('connection', 'upstream connection failed', { cause: error });
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
