/**
 * Turns the request's key into a Principal: the master key (constant-time comparison of hashes),
 * open access when no master key is configured, or LiteLLM's errors for everything else.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/gateway-error.js';
import { extractApiKey } from './extract-api-key.js';
import { createMasterPrincipal, createOpenAccessPrincipal, type Principal } from './principal.js';

export interface AuthSettings {
  masterKey?: string;
  keyHeaderName?: string;
}

export type Authenticator = (headers: IncomingHttpHeaders) => Principal;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `sk-...abcd`: what may appear in messages and logs instead of a key. */
export function abbreviateKey(key: string): string {
  if (key.startsWith('sk-')) return `sk-...${key.slice(-4)}`;
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}****${key.slice(-4)}`;
}

export function createAuthenticator(settings: AuthSettings): Authenticator {
  if (settings.masterKey === undefined) {
    const open = createOpenAccessPrincipal();
    return () => open;
  }
  const masterHash = Buffer.from(hashKey(settings.masterKey), 'hex');
  const masterHashHex = masterHash.toString('hex');
  return (headers) => {
    const found = extractApiKey(headers, settings.keyHeaderName);
    if (found.kind === 'none') {
      throw new GatewayError('no_api_key', 'Authentication Error, No api key passed in.');
    }
    if (found.kind === 'malformed') {
      throw new GatewayError(
        'invalid_api_key',
        'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
      );
    }
    const hash = Buffer.from(hashKey(found.value), 'hex');
    if (timingSafeEqual(hash, masterHash)) return createMasterPrincipal(masterHashHex);
    if (!found.value.startsWith('sk-')) {
      throw new GatewayError(
        'invalid_api_key',
        `Authentication Error, LiteLLM Virtual Key expected. Received=${abbreviateKey(found.value)}, expected to start with 'sk-'.`,
      );
    }
    // Virtual keys need the key store, which this build does not have configured.
    throw new GatewayError('no_db_connection', 'No connected db.');
  };
}
