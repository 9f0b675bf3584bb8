/**
 * The address the browser used to reach the gateway (`https://host:port`): the base of links the
 * gateway hands out when `PROXY_BASE_URL` is not set. Behind a proxy, set PROXY_BASE_URL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { cameOverHttps } from './session-cookies.js';

export function requestOrigin(request: { protocol: string; headers: IncomingHttpHeaders }): string {
  const host = request.headers.host ?? 'localhost';
  return `${cameOverHttps(request) ? 'https' : 'http'}://${host}`;
}
