// The yardstick: the least work any Node gateway must do (parse the request, forward it over a
// keep-alive pool, parse the response, send it back). Gateways are judged as ratios against it.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
});
const upstream = new URL(values.upstream ?? 'http://127.0.0.1:8080');
const pool = new Pool(upstream.origin, { connections: 256 });
const upstreamHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-upstream' };

async function forward(path: string, raw: string, res: ServerResponse): Promise<void> {
  const request = JSON.parse(raw) as { stream?: unknown };
  const body = JSON.stringify(request);
  const reply = await pool.request({ method: 'POST', path, headers: upstreamHeaders, body });
  if (request.stream === true) {
    res.writeHead(reply.statusCode, { 'content-type': 'text/event-stream' });
    for await (const chunk of reply.body) res.write(chunk);
    res.end();
    return;
  }
  const out = JSON.stringify(JSON.parse(await reply.body.text()));
  res.writeHead(reply.statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(out),
  });
  res.end(out);
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    forward(req.url ?? '/', Buffer.concat(parts).toString('utf8'), res).catch((e: unknown) => {
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
// An orderly exit on either signal, so that a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
