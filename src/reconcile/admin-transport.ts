/**
 * The one thing the reconcile core needs from the outside: a JSON call to a LiteLLM-compatible
 * admin API. The CLI implements it over HTTP with flags and variables; the Kubernetes operator
 * will implement it with the connection each resource names, resolved on every reconcile.
 */
export type QueryValue = string | number | boolean | undefined;

export interface AdminCall {
  query?: Record<string, QueryValue>;
  body?: unknown;
}

export interface AdminTransport {
  /** Resolves with the parsed JSON answer; rejects with a one-line error for any failure. */
  call(method: 'GET' | 'POST', path: string, request?: AdminCall): Promise<unknown>;
}

/** A refused admin call: the HTTP status and the gateway's own message. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}
