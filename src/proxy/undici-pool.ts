/**
 * undici's connection pool and error classes, loaded without the rest of undici. Its package
 * entry also loads fetch, WebSocket, EventSource, the HTTP cache and the mock agents (~3 MB of
 * heap in every gateway process) that the upstream transport never uses. undici has no
 * `exports` map, so these files are its public layout; `undici-pool.test.ts` checks that they
 * are the same classes the package entry exports, so an undici release that moves them fails the
 * tests instead of a gateway.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export type Pool = Undici.Pool;
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
