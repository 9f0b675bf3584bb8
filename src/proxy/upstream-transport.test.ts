/**
 * The undici transport against a real HTTP server: bodies read whole and chunk by chunk, a slow
 * reader holding the upstream back without losing data, failures and timeouts as ProviderErrors,
 * and cancellation (the request's, or an iterator returned early) closing the upstream request.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ProviderError } from '../providers/types.js';
import { Cancellation } from './cancellation.js';
import { createUpstreamTransport, type SendOptions } from './upstream-transport.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Resolves once `check` holds; the test's own timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(5);
}

/** Bounds every test: a reader that is never woken would otherwise hang the run. */
const LIMIT = { timeout: 10_000 };

const CHUNK_SIZE = 64 * 1024;

/**
 * An upstream that writes `chunks` chunks of CHUNK_SIZE bytes as fast as its socket takes them,
 * every byte of chunk n being n (mod 256); `written` counts the chunks its socket took.
 */
function flood(chunks: number): { handler: Handler; written: () => number } {
  let written = 0;
  const handler: Handler = (_req, res) => {
    res.writeHead(200);
    void (async () => {
      for (; written < chunks; written++) {
        if (!res.write(Buffer.alloc(CHUNK_SIZE, written % 256))) await once(res, 'drain');
      }
      res.end();
    })();
  };
  return { handler, written: () => written };
}

describe('the upstream transport', () => {
  const transport = createUpstreamTransport();
  let server: Server;
  let url: string;
  let handle: Handler;
  /** Set when the server sees its request's connection close before the answer was complete. */
  let cutByClient: boolean;
  let requests: number;

  before(async () => {
    server = createServer((req, res) => {
      requests++;
      res.on('close', () => (cutByClient ||= !res.writableFinished));
      handle(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });
  beforeEach(() => {
    cutByClient = false;
    requests = 0;
  });
  after(async () => {
    await transport.close();
    server.closeAllConnections();
    server.close();
  });

  const options = (over: Partial<SendOptions> = {}): SendOptions => ({
    cancel: new Cancellation(),
    // Longer than LIMIT: a test that waits for a close never sees one caused by a timeout.
    headersTimeoutMs: 60_000,
    bodyTimeoutMs: 60_000,
    ...over,
  });
  const send = (over: Partial<SendOptions> = {}) =>
    transport.send(
      { url, headers: { 'content-type': 'application/json' }, body: '{}' },
      options(over),
    );

  /** Answers the status and headers, then the chunks one write each, a turn apart. */
  const answerInChunks =
    (chunks: string[]): Handler =>
    (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-seen': ['a', 'b'] });
      void (async () => {
        for (const chunk of chunks) {
          res.write(chunk);
          await sleep(2);
        }
        res.end();
      })();
    };

  test('gives the status and headers, and the whole body as text', LIMIT, async () => {
    handle = answerInChunks(['{"answer":', '"héllo"', '}']);
    const response = await send();
    assert.equal(response.status, 201);
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(response.headers['x-seen'], 'a, b');
    assert.equal(await response.body.text(), '{"answer":"héllo"}');
  });

  test('skips an informational 1xx answer for the real one', LIMIT, async () => {
    handle = (_req, res) => {
      res.writeProcessing();
      res.end('done');
    };
    const response = await send();
    assert.equal(response.status, 200);
    assert.equal(await response.body.text(), 'done');
  });

  test('hands a streamed body over chunk by chunk, in order, as it arrives', LIMIT, async () => {
    const words = ['data: one\n\n', 'data: two\n\n', 'data: three\n\n'];
    // The upstream sends each word only once the reader has the one before.
    let sendNext: () => void = () => {};
    handle = (_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
      void (async () => {
        for (const word of words) {
          await new Promise<void>((resolve) => (sendNext = resolve));
          res.write(word);
        }
        res.end();
      })();
    };
    const response = await send();
    const iterator = response.body[Symbol.asyncIterator]();
    for (const word of words) {
      sendNext();
      const next = await iterator.next();
      assert.equal(Buffer.from(next.value as Uint8Array).toString(), word);
    }
    assert.equal((await iterator.next()).done, true);
  });

  test('hands a burst of chunks that arrived together over in one step', LIMIT, async () => {
    const events = ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n', 'data: 4\n\n', 'data: 5\n\n'];
    let finished = false;
    handle = (_req, res) => {
      res.writeHead(200);
      // Five HTTP chunks, written back to back as a fast upstream streams its events.
      for (const event of events) res.write(event);
      res.end(() => (finished = true));
    };
    const response = await send();
    await until(() => finished);
    await sleep(50); // the bytes cross the loopback
    const iterator = response.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(Buffer.from(first.value as Uint8Array).toString(), events.join(''));
    assert.equal((await iterator.next()).done, true);
  });

  test(
    'holds a fast upstream back while the reader is slow, and loses nothing',
    LIMIT,
    async () => {
      const total = 512; // 32 MiB: far more than the sockets' buffers hold
      const upstream = flood(total);
      handle = upstream.handler;
      const response = await send();
      const iterator = response.body[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      await sleep(200);
      const held = upstream.written();
      await sleep(200);
      assert.ok(held < total, 'the upstream wrote everything to a reader that stopped');
      assert.equal(upstream.written(), held, 'the upstream is held back while the reader stops');

      // Reading on, slowly at first: every byte arrives, in order.
      const received = [Buffer.from(first.value as Uint8Array)];
      for (let n = 0; ; n++) {
        if (n < 20) await sleep(5);
        const next = await iterator.next();
        if (next.done) break;
        received.push(Buffer.from(next.value));
      }
      const body = Buffer.concat(received);
      assert.equal(body.length, total * CHUNK_SIZE);
      for (let n = 0; n < total; n++) {
        assert.equal(body[n * CHUNK_SIZE], n % 256, `chunk ${n} starts in place`);
        assert.equal(body[(n + 1) * CHUNK_SIZE - 1], n % 256, `chunk ${n} ends in place`);
      }
    },
  );

  test('text() reads on after chunks piled up before it was called', LIMIT, async () => {
    handle = flood(128).handler;
    const response = await send();
    await sleep(200);
    const text = await response.body.text();
    assert.equal(text.length, 128 * CHUNK_SIZE);
  });

  test(
    'an upstream that dies mid-body fails the read with a connection ProviderError',
    LIMIT,
    async () => {
      handle = (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('part of it', () => setTimeout(() => res.socket?.destroy(), 20));
      };
      const streamed = await send();
      await assert.rejects(
        async () => {
          for await (const _chunk of streamed.body);
        },
        (error: unknown) => error instanceof ProviderError && error.kind === 'connection',
      );
      const whole = await send();
      await assert.rejects(
        whole.body.text(),
        (error: unknown) => error instanceof ProviderError && error.kind === 'connection',
      );
    },
  );

  test(
    'an upstream that never answers is a 408 timeout after headersTimeoutMs',
    LIMIT,
    async () => {
      handle = () => {};
      const started = Date.now();
      await assert.rejects(
        send({ headersTimeoutMs: 100 }),
        (error: unknown) =>
          error instanceof ProviderError &&
          error.kind === 'timeout' &&
          error.details.status === 408,
      );
      assert.ok(Date.now() - started < 2_000);
    },
  );

  test('a body that goes silent is a 408 timeout after bodyTimeoutMs', LIMIT, async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('data: first\n\n');
    };
    const response = await send({ bodyTimeoutMs: 100 });
    await assert.rejects(
      async () => {
        for await (const _chunk of response.body);
      },
      (error: unknown) =>
        error instanceof ProviderError && error.kind === 'timeout' && error.details.status === 408,
    );
  });

  test('cancelling mid-body closes the upstream request and fails the read', LIMIT, async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('data: first\n\n');
    };
    const cancel = new Cancellation();
    const response = await send({ cancel });
    const iterator = response.body[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    const pending = iterator.next();
    cancel.abort();
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof ProviderError && error.message === 'Request aborted',
    );
    await until(() => cutByClient);
  });

  test(
    'cancelling before the headers closes the upstream request and fails the send',
    LIMIT,
    async () => {
      handle = () => {};
      const cancel = new Cancellation();
      const sent = send({ cancel });
      await until(() => requests === 1);
      cancel.abort();
      await assert.rejects(sent, (error: unknown) => error instanceof ProviderError);
      await until(() => cutByClient);
    },
  );

  test('a request cancelled before it goes out never reaches the upstream', LIMIT, async () => {
    handle = answerInChunks(['never']);
    const cancel = new Cancellation();
    cancel.abort();
    await assert.rejects(send({ cancel }), (error: unknown) => error instanceof ProviderError);
    await sleep(50);
    assert.equal(requests, 0);
  });

  test('an iterator returned early closes the upstream request', LIMIT, async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('data: first\n\n');
    };
    const response = await send();
    const iterator = response.body[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    assert.deepEqual(await iterator.return?.(), { done: true, value: undefined });
    await until(() => cutByClient);
    assert.equal((await iterator.next()).done, true, 'nothing more after return');
  });

  test('mock: URLs are answered in process', LIMIT, async () => {
    const response = await transport.send(
      {
        url: 'mock://mock/v1/chat/completions',
        headers: {},
        body: '{"model":"m","messages":[{"role":"user","content":"hi"}]}',
      },
      options(),
    );
    assert.equal(response.status, 200);
    assert.match(await response.body.text(), /"object":"chat.completion"/);
  });
});
