import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { SseResponse } from './sse-response.js';

/** A server whose one route hands its response to `respond`; the client reads the raw socket. */
async function serve(respond: (sse: SseResponse, res: ServerResponse) => void) {
  const server = createServer((_req, res) => respond(new SseResponse(res), res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1');
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  const reads: string[] = [];
  socket.on('data', (chunk: Buffer) => reads.push(chunk.toString('latin1')));
  const text = () => reads.join('');
  const until = async (what: string) => {
    while (!text().includes(what)) await once(socket, 'data');
  };
  after(() => socket.destroy());
  return { reads, text, until };
}

describe('SseResponse', () => {
  test('what is written in one turn, its end included, leaves in one socket write', async () => {
    let socketWrites = 0;
    const client = await serve((sse, res) => {
      countWrites(res, () => socketWrites++);
      sse.start({ 'x-one': '1' });
      void sse.write('data: a\n\n');
      // As when an upstream's end is read with its last bytes: it surfaces a few ticks later.
      process.nextTick(() =>
        process.nextTick(() => {
          void sse.write('data: b\n\n');
          void sse.done();
        }),
      );
    });
    await client.until('\r\n0\r\n\r\n');
    assert.equal(socketWrites, 1);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(client.text(), /data: a\n\n[\s\S]*data: b\n\n[\s\S]*data: \[DONE\]\n\n/);
  });

  test('a write goes out without waiting for the next one or the end', async () => {
    let sse: SseResponse | undefined;
    const client = await serve((response) => {
      sse = response;
      sse.start({});
      void sse.write('data: first\n\n');
    });
    await client.until('data: first\n\n');
    void sse?.write('data: second\n\n');
    await client.until('data: second\n\n');
    await sse?.done();
    await client.until('data: [DONE]\n\n');
  });

  test('a write larger than the socket buffer is delivered whole', async () => {
    const big = `data: ${'x'.repeat(1 << 20)}\n\n`;
    let written = false;
    const client = await serve((sse) => {
      sse.start({});
      void sse.write(big).then(async () => {
        written = true;
        await sse.done();
      });
    });
    await client.until('data: [DONE]\n\n');
    assert.ok(written);
    assert.ok(client.text().includes(big.slice(-100)));
  });
});

/** Calls `count` for every write the response's socket hands to the kernel. */
function countWrites(res: ServerResponse, count: () => void): void {
  const socket = res.socket as unknown as Record<
    '_write' | '_writev',
    (...args: unknown[]) => void
  >;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      count();
      original(...args);
    };
  }
}
