/**
 * Which gateway an admin command talks to and with which key: the flags first, then Tollgate's
 * variables, then LiteLLM's (so an existing `litellm-users.sh` environment works unchanged).
 */
import { CliError } from './cli-error.js';

export interface Connection {
  /** Base URL without a trailing slash. */
  url: string;
  masterKey?: string;
}

export interface ConnectionFlags {
  url?: string;
  masterKey?: string;
}

export const DEFAULT_GATEWAY_URL = 'http://localhost:4000';

export function resolveConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
): Connection {
  const url = firstSet(flags.url, env.TOLLGATE_URL, env.LITELLM_URL) ?? DEFAULT_GATEWAY_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`gateway URL "${url}" is not a URL (expected e.g. ${DEFAULT_GATEWAY_URL})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`gateway URL "${url}" must start with http:// or https://`);
  }
  const masterKey = firstSet(flags.masterKey, env.TOLLGATE_MASTER_KEY, env.LITELLM_MASTER_KEY);
  return { url: url.replace(/\/+$/, ''), masterKey };
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.map((v) => v?.trim()).find((v) => v !== undefined && v !== '');
}
