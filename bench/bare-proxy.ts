// The yardstick: the least work any Node gateway must do (parse the request, forward it over a
// keep-alive pool, parse the response, send it back). Gateways are judged as ratios against it.
// With `--duty <module> -- <its arguments>` it also does one duty a gateway cannot avoid
// (bench/bare-redis.ts, bench/bare-sqlite.ts): the floor of that duty, measured the same way.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

/** One call as a duty sees it. */
export interface Call {
  path: string;
  /** SHA-256 of the client's Authorization header: whose call it is, as a gateway stores it. */
  keyHash: string;
  model: string;
  startMs: number;
}

export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** What a duty module's `start(args)` resolves to. */
export interface Duty {
  /** Awaited before the upstream call (an admission). */
  admit?(call: Call): Promise<void>;
  /** Called once the answer has been sent (a booking); a stream's usage is not read. */
  book?(call: Call, status: number, usage: Usage | undefined): void;
  /** Finishes the duty's pending work before the process exits. */
  close(): Promise<void>;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    upstream: { type: 'string' },
    port: { type: 'string', default: '0' },
    duty: { type: 'string' },
  },
});
const upstream = new URL(values.upstream ?? 'http://127.0.0.1:8080');
const pool = new Pool(upstream.origin, { connections: 256 });
const upstreamHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream' };

async function startDuty(file: string, args: string[]): Promise<Duty> {
  const module = (await import(pathToFileURL(file).href)) as {
    start(args: string[]): Promise<Duty>;
  };
  return module.start(args);
}

const duty = values.duty === undefined ? undefined : await startDuty(values.duty, positionals);

/** Each key's hash, computed once: hashing a presented key is authentication's work, which a
 * gateway does anyway, not a duty's. */
const keyHashes = new Map<string, string>();
function keyHashOf(key: string): string {
  let hash = keyHashes.get(key);
  if (hash === undefined) {
    hash = createHash('sha256').update(key).digest('hex');
    keyHashes.set(key, hash);
  }
  return hash;
}

/** What a duty is told of a call; built only for a duty (reading the headers has a cost). */
function callOf(req: IncomingMessage, model: unknown): Call {
  const keyHash = keyHashOf(req.headers.authorization ?? '');
  return { path: req.url ?? '/', keyHash, model: String(model), startMs: Date.now() };
}

async function forward(req: IncomingMessage, raw: string, res: ServerResponse): Promise<void> {
  const path = req.url ?? '/';
  const request = JSON.parse(raw) as { model?: unknown; stream?: unknown };
  const call = duty && callOf(req, request.model);
  if (call && duty?.admit) await duty.admit(call);
  const body = JSON.stringify(request);
  const reply = await pool.request({ method: 'POST', path, headers: upstreamHeaders, body });
  if (request.stream === true) {
    res.writeHead(reply.statusCode, { 'content-type': 'text/event-stream' });
    for await (const chunk of reply.body) res.write(chunk);
    res.end();
    if (call) duty?.book?.(call, reply.statusCode, undefined);
    return;
  }
  const answer = JSON.parse(await reply.body.text()) as { usage?: Usage };
  const out = JSON.stringify(answer);
  res.writeHead(reply.statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(out),
  });
  res.end(out);
  if (call) duty?.book?.(call, reply.statusCode, answer.usage);
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    forward(req, Buffer.concat(parts).toString('utf8'), res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(e), type: 'bad_gateway' } }));
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
});

/** An orderly exit, so that a --cpu-prof profile is written and a duty's pending work done. */
async function exit(): Promise<void> {
  try {
    await duty?.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void exit());
process.on('SIGINT', () => void exit());
