/**
 * The common core of every provider simulator: a real HTTP server on 127.0.0.1 that records each
 * request and can be told to fail the next ones (status with the provider's own error body,
 * garbage, truncated or stalled streams, reset connections, delays).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** The body's bytes, for binary bodies (multipart forms with audio). */
  rawBytes: Buffer;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** Set when the client (the gateway) closed the connection before the answer was complete. */
  abortedByClient: boolean;
}

export type Fault =
  /** Answer with this status; the simulator renders the provider's own error body for it. */
  | {
      kind: 'status';
      status: number;
      message?: string;
      headers?: Record<string, string>;
      code?: string;
    }
  /** 200 with a body that is not JSON. */
  | { kind: 'garbage' }
  /** Start a normal (streamed) answer, then end the connection cleanly half-way. */
  | { kind: 'truncate' }
  /** Start a normal (streamed) answer, then destroy the socket half-way. */
  | { kind: 'reset' }
  /** Send headers (and for streams the first chunk), then go silent for `ms`. */
  | { kind: 'stall'; ms: number }
  /** Wait before answering normally. */
  | { kind: 'delay'; ms: number };

export interface SimulatorHandlerContext {
  req: RecordedRequest;
  res: ServerResponse;
  /** The fault to apply to this request, if one was queued. */
  fault?: Fault;
}

export type SimulatorHandler = (ctx: SimulatorHandlerContext) => void | Promise<void>;

export interface Simulator {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queue faults: each applies to one upcoming request, in order. */
  fail(...faults: Fault[]): void;
  /** Apply this fault to every request until `reset()`. */
  failAlways(fault: Fault): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startSimulator(handler: SimulatorHandler): Promise<Simulator> {
  const requests: RecordedRequest[] = [];
  const queue: Fault[] = [];
  let always: Fault | undefined;

  const server = createServer((req, res) => {
    void readBody(req).then(async (rawBytes) => {
      const rawBody = rawBytes.toString('utf8');
      const url = new URL(req.url ?? '/', 'http://localhost');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        rawBytes,
        body,
        abortedByClient: false,
      };
      res.on('close', () => {
        if (!res.writableFinished) recorded.abortedByClient = true;
      });
      requests.push(recorded);
      const fault = queue.shift() ?? always;
      if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      try {
        await handler({ req: recorded, res, fault: fault?.kind === 'delay' ? undefined : fault });
      } catch (error: unknown) {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: String(error) } }));
        } else res.destroy();
      }
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    fail: (...faults) => queue.push(...faults),
    failAlways: (fault) => {
      always = fault;
    },
    reset: () => {
      queue.length = 0;
      always = undefined;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes SSE/NDJSON parts applying truncate/reset/stall faults; returns when done. */
export async function writeStream(
  res: ServerResponse,
  contentType: string,
  parts: (string | Uint8Array)[],
  fault?: Fault,
): Promise<void> {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  const half = Math.max(1, Math.floor(parts.length / 2));
  for (let i = 0; i < parts.length; i++) {
    if (i === half && fault?.kind === 'truncate') {
      res.end();
      return;
    }
    if (i === half && fault?.kind === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (i === 1 && fault?.kind === 'stall') {
      await new Promise((r) => setTimeout(r, fault.ms));
      if (res.destroyed) return;
    }
    res.write(parts[i]);
  }
  res.end();
}

/** Applies garbage/truncate/reset/stall faults to a JSON answer; returns true if it handled it. */
export async function writeJsonWithFault(
  res: ServerResponse,
  json: unknown,
  fault?: Fault,
): Promise<void> {
  const text = JSON.stringify(json);
  if (fault?.kind === 'garbage') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('<html>this is not json</html>');
    return;
  }
  if (fault?.kind === 'truncate' || fault?.kind === 'reset') {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(text.length),
    });
    res.write(text.slice(0, Math.floor(text.length / 2)));
    res.socket?.destroy();
    return;
  }
  if (fault?.kind === 'stall') {
    res.writeHead(200, { 'content-type': 'application/json' });
    await new Promise((r) => setTimeout(r, fault.ms));
    if (!res.destroyed) res.end(text);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}
