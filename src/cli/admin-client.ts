/**
 * The admin API over HTTP (fetch, i.e. undici): master key as a Bearer token, JSON both ways, and
 * every failure turned into one line a person can act on.
 */
import {
  AdminApiError,
  type AdminCall,
  type AdminTransport,
  type QueryValue,
} from '../reconcile/admin-transport.js';
import { CliError } from './cli-error.js';
import type { Connection } from './connection.js';

const TIMEOUT_MS = 60_000;

export class AdminClient implements AdminTransport {
  constructor(private readonly connection: Connection) {}

  async call(method: 'GET' | 'POST', path: string, request: AdminCall = {}): Promise<unknown> {
    const url = `${this.connection.url}${path}${queryString(request.query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.masterKey) headers.authorization = `Bearer ${this.connection.masterKey}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error: unknown) {
      throw new CliError(
        `cannot reach the gateway at ${this.connection.url}: ${networkReason(error)} (set --url, TOLLGATE_URL or LITELLM_URL)`,
      );
    }
    const text = await response.text();
    const body = parseJson(text);
    if (response.ok) return body;
    throw this.refusal(method, path, response.status, messageOf(body, text));
  }

  private refusal(method: string, path: string, status: number, message: string): Error {
    if (status === 401 && !this.connection.masterKey) {
      return new CliError(
        `the gateway at ${this.connection.url} asks for a key: pass --master-key or set TOLLGATE_MASTER_KEY or LITELLM_MASTER_KEY (${message})`,
      );
    }
    if (status === 401) {
      return new CliError(`the gateway refused the master key (401): ${message}`);
    }
    if (status === 404 && message === 'Not Found') {
      return new CliError(
        `${method} ${path}: this gateway does not serve ${path} (404 Not Found); it may be an older version`,
      );
    }
    return new AdminApiError(status, `${method} ${path} failed (${status}): ${message}`);
  }
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The message of any of LiteLLM's error shapes, on one line. */
export function messageOf(body: unknown, fallback: string): string {
  return oneLine(findMessage(body) ?? (fallback || 'no message'));
}

function findMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const field of ['error', 'detail', 'message']) {
    const value = record[field];
    if (typeof value === 'string') return value;
    if (Array.isArray(value))
      return value.map((v) => findMessage(v) ?? JSON.stringify(v)).join('; ');
    if (typeof value === 'object' && value !== null) {
      const nested = findMessage(value);
      if (nested !== undefined) return nested;
    }
  }
  const msg = record.msg;
  if (typeof msg === 'string') {
    const loc = Array.isArray(record.loc) ? `${record.loc.join('.')}: ` : '';
    return `${loc}${msg}`;
  }
  return undefined;
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    return code ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
