/**
 * Probes and metrics on one small HTTP listener: /healthz (the process runs), /readyz (leading
 * with every informer synced, or standing by as a healthy non-leader) and /metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSources {
  ready(): boolean;
  registry: Registry;
}

export async function startHealthServer(
  sources: HealthSources,
  listen: { port: number; host: string },
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = sources.ready();
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok' : 'not ready');
    } else if (path === '/metrics') {
      void sources.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': sources.registry.contentType }).end(text);
      });
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
