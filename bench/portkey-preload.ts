// Preloaded (`node --import`) into the Portkey gateway by the bench. Two adjustments, neither of
// which touches how it handles a request:
// - Its start script listens on every interface; every listen() is pinned to 127.0.0.1 so the
//   bench only ever opens loopback ports.
// - On Node it appends its x-portkey-* headers to the upstream's fetch() Response, whose headers
//   are immutable under the fetch spec, so streams and embeddings fail with "TypeError: immutable"
//   (Portkey-AI/gateway issues 1389 and 1550). fetch() answers are re-wrapped in a Response with
//   mutable headers and the same body stream, as the fix proposed upstream does.
import net from 'node:net';

const LOOPBACK = '127.0.0.1';
const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(this: net.Server, ...args: unknown[]) {
  const [first] = args;
  if (typeof first === 'object' && first !== null) {
    args[0] = { ...first, host: LOOPBACK };
  } else if (typeof first === 'number') {
    // listen(port[, host][, backlog][, callback]): put the host in second place.
    const rest = args.slice(1);
    if (typeof rest[0] === 'string') rest.shift();
    args = [first, LOOPBACK, ...rest];
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;

// Taken now: the gateway's HTTP adapter later replaces the global Response with its own class.
const FetchResponse = globalThis.Response;
const fetch = globalThis.fetch;

globalThis.fetch = async function fetchWithMutableHeaders(input, init) {
  const response = await fetch(input, init);
  return new FetchResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
} as typeof globalThis.fetch;
