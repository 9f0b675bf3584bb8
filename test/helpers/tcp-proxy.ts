/**
 * A TCP forwarder in front of a real server (Redis) that a test can cut and restore: `down()`
 * closes every connection and refuses new ones, `up()` listens again on the same port. An outage
 * as a client sees it, without stopping the shared server.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  up(): Promise<void>;
  down(): Promise<void>;
}

/** A proxy to `target`, on a free port of 127.0.0.1; it starts down when `startDown` is set. */
export async function startTcpProxy(
  target: { host: string; port: number },
  options: { startDown?: boolean } = {},
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const up = async () => {
    if (server) return;
    const listening = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as { port: number }).port;
    server = listening;
  };

  const down = async () => {
    const closing = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };

  await up();
  const proxy: TcpProxy = { port, up, down };
  if (options.startDown) await down();
  return proxy;
}
