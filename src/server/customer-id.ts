/**
 * The end user (LiteLLM's "customer") an LLM call is made for, found where LiteLLM looks, first
 * match wins: the caller's JWT claim (`end_user_id_jwt_field`: a verified identity, which nothing
 * in the request can override), the `x-litellm-customer-id` and `x-litellm-end-user-id` headers,
 * the headers the operator names (`general_settings.user_header_mappings` with the role
 * `customer`, then the older `user_header_name`), and in the body `user`, `litellm_metadata.user`,
 * `metadata.user_id` and `safety_identifier`. Tools that cannot add a field to the body (Open
 * WebUI's user headers, Claude Code's custom headers) name the customer with a header.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal.js';
import type { RequestCheck } from './request-checks.js';

/** The headers LiteLLM always reads a customer from, before any the operator names. */
export const STANDARD_CUSTOMER_HEADERS = ['x-litellm-customer-id', 'x-litellm-end-user-id'];

/** The customer of a call; undefined when it names none. */
export function customerIdOf(
  headerNames: readonly string[],
  headers: IncomingHttpHeaders,
  body: unknown,
  principal: Principal | null,
): string | undefined {
  const claimed = principal?.endUserId;
  if (claimed !== undefined && claimed !== '') return claimed;
  for (const name of headerNames) {
    const value = headers[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  return (
    text(fields.user) ??
    text(field(fields.litellm_metadata, 'user')) ??
    text(field(fields.metadata, 'user_id')) ??
    text(fields.safety_identifier)
  );
}

/**
 * Sets `request.customerId` on every request to an LLM route, after authentication (the JWT
 * claim comes first). `configured`: the operator's customer headers, in the order named.
 */
export function customerIdCheck(configured: readonly string[]): RequestCheck {
  const headerNames = [
    ...new Set([...STANDARD_CUSTOMER_HEADERS, ...configured.map((h) => h.toLowerCase())]),
  ];
  return (request) => {
    if (request.routeOptions.config.access !== 'llm') return;
    request.customerId = customerIdOf(
      headerNames,
      request.headers,
      request.body,
      request.principal,
    );
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
