import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { FastLane, type AnsweredRequest, type RouteHandler } from './fast-lane.js';

const LIMIT = 1024;
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One raw HTTP request (so bodies, lengths and content types are exactly what the test says). */
function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => (body += part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('fast lane', () => {
  const answered: AnsweredRequest[] = [];
  const seen: { body: unknown; id: string; callId: string; principal: Principal | null }[] = [];
  let draining = false;
  let app: FastifyInstance;
  let port: number;

  const handlers: Record<string, RouteHandler> = {
    ok: async (request, reply) => {
      seen.push({
        body: request.body,
        id: request.id,
        callId: request.callId,
        principal: request.principal,
      });
      return reply.headers({ 'x-handled-by': 'lane' }).send({ echo: request.body });
    },
    returns: () => Promise.resolve({ returned: true }),
    throws: () => {
      throw new GatewayError('rate_limit', 'slow down', { headers: { 'retry-after': '7' } });
    },
    crashes: () => Promise.reject(new Error('boom')),
    hijacks: async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('data: {}\n\n');
      throw new Error('stream broke');
    },
  };
  let handler: RouteHandler = handlers.ok as RouteHandler;

  before(async () => {
    const lane = new FastLane({
      checks: [
        (request) => {
          if (request.headers.authorization === 'Bearer refused') {
            throw new GatewayError('invalid_api_key', 'Invalid proxy server token passed.');
          }
        },
        async (request) => {
          await new Promise((resolve) => setImmediate(resolve));
          request.principal = { kind: 'master' } as unknown as Principal;
        },
      ],
      maxRequestBytes: LIMIT,
      logger: pino({ level: 'silent' }),
      requestId: (req) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' ? given : `req-${answered.length}-${seen.length}`;
      },
      callId: (id, req) => (id === req.headers['x-request-id'] ? `call-for-${id}` : id),
      answered: (done) => answered.push(done),
      isDraining: () => draining,
    });
    lane.post('/v1/chat/completions', (request, reply) => handler(request, reply));
    lane.post('/v1/messages', (request, reply) => handler(request, reply), {
      errorFormat: 'anthropic',
    });
    app = Fastify({ serverFactory: (fallback) => createServer(lane.listener(fallback)) });
    app.all('/*', async (request) => ({ servedBy: 'fastify', url: request.url }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  after(async () => {
    await app.close();
  });

  test('serves its exact paths: body parsed, checks run, ids on the answer', async () => {
    handler = handlers.ok as RouteHandler;
    seen.length = 0;
    const answer = await send(port, {
      path: '/v1/chat/completions?beta=true',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-1' },
      body: '{"model":"m","messages":[]}',
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-handled-by'], 'lane');
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(answer.headers['x-request-id'], 'client-1');
    assert.equal(answer.headers['x-litellm-call-id'], 'call-for-client-1');
    assert.deepEqual(JSON.parse(answer.body), { echo: { model: 'm', messages: [] } });
    assert.deepEqual(seen[0]?.principal, { kind: 'master' });
    assert.equal(seen[0]?.callId, 'call-for-client-1');
  });

  test('reads any content type as JSON, as LiteLLM does (curl -d sends a form type)', async () => {
    handler = handlers.ok as RouteHandler;
    const answer = await send(port, {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"model":"m"}',
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { echo: { model: 'm' } });
  });

  test('leaves other methods, other paths and other spellings to Fastify', async () => {
    for (const [method, path] of [
      ['GET', '/v1/chat/completions'],
      ['POST', '/v1/chat/completions/'],
      ['POST', '/V1/chat/completions'],
      ['POST', '/v1/models'],
    ] as const) {
      const answer = await send(port, {
        method,
        path,
        ...(method === 'POST' && { headers: JSON_HEADERS, body: '{}' }),
      });
      assert.equal(answer.status, 200, `${method} ${path}`);
      assert.equal(JSON.parse(answer.body).servedBy, 'fastify', `${method} ${path}`);
    }
  });

  test('while draining every request goes to Fastify', async () => {
    draining = true;
    try {
      const answer = await send(port, {
        path: '/v1/chat/completions',
        headers: JSON_HEADERS,
        body: '{}',
      });
      assert.equal(JSON.parse(answer.body).servedBy, 'fastify');
    } finally {
      draining = false;
    }
  });

  test('refuses bodies over the limit, declared or streamed, and closes the connection', async () => {
    handler = handlers.ok as RouteHandler;
    const big = `{"model":"${'x'.repeat(LIMIT)}"}`;
    const declared = await send(port, {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
      body: big,
    });
    const chunked = await send(port, {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big,
    });
    for (const answer of [declared, chunked]) {
      assert.equal(answer.status, 413);
      assert.equal(answer.headers.connection, 'close');
      const { error } = JSON.parse(answer.body) as { error: { message: string; code: string } };
      assert.match(error.message, /larger than the limit of 1024 bytes/);
      assert.equal(error.code, '413');
    }
  });

  test('an empty JSON body or invalid JSON is a 400 naming the problem', async () => {
    const empty = await send(port, {
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '',
    });
    assert.equal(empty.status, 400);
    assert.match(JSON.parse(empty.body).error.message, /Request body is empty/);
    const broken = await send(port, { path: '/v1/chat/completions', body: '{"model":' });
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.body).error.message, /Request body is not valid JSON/);
    const poisoned = await send(port, {
      path: '/v1/chat/completions',
      body: '{"__proto__":{"admin":true}}',
    });
    assert.equal(poisoned.status, 400);
  });

  test('a refusing check answers in the error shape and the handler never runs', async () => {
    handler = handlers.ok as RouteHandler;
    seen.length = 0;
    const answer = await send(port, {
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer refused' },
      body: '{}',
    });
    assert.equal(answer.status, 401);
    assert.equal(JSON.parse(answer.body).error.message, 'Invalid proxy server token passed.');
    assert.ok(answer.headers['x-request-id'], 'errors carry the request id too');
    assert.equal(seen.length, 0);
  });

  test("handler errors get their status, headers and shape; Anthropic's on its routes", async () => {
    handler = handlers.throws as RouteHandler;
    const openai = await send(port, { path: '/v1/chat/completions', body: '{}' });
    assert.equal(openai.status, 429);
    assert.equal(openai.headers['retry-after'], '7');
    assert.equal(JSON.parse(openai.body).error.message, 'slow down');
    const anthropic = await send(port, { path: '/v1/messages', body: '{}' });
    assert.equal(anthropic.status, 429);
    const body = JSON.parse(anthropic.body) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
    handler = handlers.crashes as RouteHandler;
    const crashed = await send(port, { path: '/v1/chat/completions', body: '{}' });
    assert.equal(crashed.status, 500);
  });

  test('a value returned instead of sent is sent as JSON', async () => {
    handler = handlers.returns as RouteHandler;
    const answer = await send(port, { path: '/v1/chat/completions', body: '{}' });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { returned: true });
  });

  test('a failure after the answer began cuts the connection and the lane goes on', async () => {
    handler = handlers.hijacks as RouteHandler;
    await assert.rejects(send(port, { path: '/v1/chat/completions', body: '{}' }));
    handler = handlers.ok as RouteHandler;
    const next = await send(port, { path: '/v1/chat/completions', body: '{"n":1}' });
    assert.equal(next.status, 200);
  });

  test('reports every answer with its route, status, body and duration', async () => {
    handler = handlers.ok as RouteHandler;
    answered.length = 0;
    await send(port, { path: '/v1/chat/completions?x=1', body: '{"model":"m"}' });
    await send(port, {
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer refused' },
      body: '{"model":"m"}',
    });
    assert.deepEqual(
      answered.map((a) => [a.route, a.method, a.statusCode, a.body]),
      [
        ['/v1/chat/completions', 'POST', 200, { model: 'm' }],
        ['/v1/chat/completions', 'POST', 401, { model: 'm' }],
      ],
    );
    assert.ok(answered.every((a) => a.elapsedMs >= 0 && a.requestId !== ''));
  });

  test('refuses to serve a route with parameters or one missing from the permission table', () => {
    const lane = new FastLane({
      checks: [],
      maxRequestBytes: LIMIT,
      logger: pino({ level: 'silent' }),
      requestId: () => 'r',
      callId: (id) => id,
      answered: () => undefined,
      isDraining: () => false,
    });
    const noop: RouteHandler = () => Promise.resolve(undefined);
    assert.throws(() => lane.post('/openai/deployments/:model/chat/completions', noop), /exact/);
    assert.throws(() => lane.post('/v1/not-a-route', noop), /route permission table/);
  });
});
