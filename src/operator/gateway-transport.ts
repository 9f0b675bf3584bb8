/**
 * The reconcile core's AdminTransport for the operator: one gateway URL and master key, resolved
 * for one reconcile. Failures become ReconcileErrors whose reason says what to fix: the gateway
 * cannot be reached, the master key is refused, or the gateway refused the call.
 */
import { messageOf } from '../cli/admin-client.js';
import type { AdminCall, AdminTransport } from '../reconcile/admin-transport.js';
import { ReconcileError } from './reconcile-error.js';

const TIMEOUT_MS = 15_000;

export class GatewayTransport implements AdminTransport {
  constructor(
    readonly url: string,
    private readonly masterKey: string,
  ) {}

  async call(method: 'GET' | 'POST', path: string, request: AdminCall = {}): Promise<unknown> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) params.set(name, String(value));
    }
    const query = params.size > 0 ? `?${params.toString()}` : '';
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}${query}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.masterKey}`,
          ...(request.body !== undefined && { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error: unknown) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ReconcileError(
        'ConnectionError',
        `cannot reach the gateway at ${this.url}: ${cause}`,
      );
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the text is the message
    }
    if (response.ok) return body;
    const message = `${method} ${path} failed (${response.status}): ${messageOf(body, text)}`;
    if (response.status === 401 || response.status === 403) {
      throw new ReconcileError('Unauthorized', `the gateway refused the master key: ${message}`);
    }
    throw new ReconcileError('LitellmError', message);
  }
}
