/**
 * Who and what an LLM call is booked to besides its key: its end user (LiteLLM's "customer") and
 * the spend tags its headers carry.
 *
 * The customer is found where LiteLLM looks, first match wins: the caller's JWT claim
 * (`end_user_id_jwt_field`: a verified identity, which nothing in the request can override), the
 * `x-litellm-customer-id` and `x-litellm-end-user-id` headers, the headers the operator names
 * (`general_settings.user_header_mappings` with the role `customer`, then the older
 * `user_header_name`), and in the body `user`, `litellm_metadata.user`, `metadata.user_id` and
 * `safety_identifier`. Tools that cannot add a field to the body (Open WebUI's user headers,
 * Claude Code's custom headers) name the customer with a header.
 *
 * Tags: `x-litellm-tags` (comma-separated) stands for the request's own tags when its body has
 * none; `User-Agent: ...` (unless `disable_add_user_agent_to_request_tags`) and `Header-Name:
 * value` for each of `litellm_settings.extra_spend_tag_headers` the call carries are spend tags
 * on top, as LiteLLM books them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal.js';
import type { Attribution } from '../contracts/attribution.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { RequestCheck } from './request-checks.js';

export interface AttributionSettings {
  /** The operator's customer headers, in the order named. */
  customerHeaders: readonly string[];
  /** Headers whose values become spend tags, named as the operator wrote them. */
  tagHeaders: readonly string[];
  /** Tag every call with its `User-Agent`. */
  userAgentTag: boolean;
  /** Keep the request's `traceparent` header (traces are sent). */
  traceParent?: boolean;
}

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

/** The tags of an `x-litellm-tags` value: comma-separated, trimmed, empty ones left out. */
export function listedTags(value: string): string[] {
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * Sets `request.attribution` on every request to an LLM route, after authentication (the JWT
 * claim comes first).
 */
export function attributionCheck(settings: AttributionSettings): RequestCheck {
  const customerHeaders = [
    ...new Set([
      ...STANDARD_CUSTOMER_HEADERS,
      ...settings.customerHeaders.map((h) => h.toLowerCase()),
    ]),
  ];
  const tagHeaders = settings.tagHeaders.map((name) => ({ name, key: name.toLowerCase() }));
  const userAgentTag = settings.userAgentTag;
  const agentTags = new AgentTags();
  return (request) => {
    if (request.routeOptions.config.access !== 'llm') return;
    const headers = request.headers;
    const attribution: Attribution = {
      customerId: customerIdOf(customerHeaders, headers, request.body, request.principal),
      headerTags: undefined,
      trackingTags: undefined,
    };
    const listed = headers['x-litellm-tags'];
    if (typeof listed === 'string') attribution.headerTags = listedTags(listed);
    const agent = headers['user-agent'];
    let tracking =
      userAgentTag && typeof agent === 'string' && agent !== '' ? agentTags.of(agent) : undefined;
    for (const { name, key } of tagHeaders) {
      const value = headers[key];
      if (typeof value === 'string' && value !== '') {
        tracking = [...(tracking ?? []), `${name}: ${value}`];
      }
    }
    attribution.trackingTags = tracking;
    const logged = headers['x-litellm-spend-logs-metadata'];
    if (typeof logged === 'string') attribution.spendLogsMetadata = spendLogsMetadataOf(logged);
    if (settings.traceParent) {
      const traceParent = headers.traceparent;
      if (typeof traceParent === 'string') attribution.traceParent = traceParent;
    }
    request.attribution = attribution;
  };
}

/** The most User-Agents remembered; a client that sends ever new ones only empties the memory. */
const MAX_AGENTS = 1_000;

/**
 * `['User-Agent: ...']` per User-Agent, made once: a gateway's clients send few distinct ones,
 * and one array (never changed) serves every call that sends the same.
 */
class AgentTags {
  private readonly tags = new Map<string, readonly string[]>();

  of(agent: string): readonly string[] {
    let tags = this.tags.get(agent);
    if (tags === undefined) {
      if (this.tags.size >= MAX_AGENTS) this.tags.clear();
      tags = Object.freeze([`User-Agent: ${agent}`]);
      this.tags.set(agent, tags);
    }
    return tags;
  }
}

/** The JSON object of an `x-litellm-spend-logs-metadata` header; anything else is refused. */
export function spendLogsMetadataOf(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError(
      'bad_request',
      'x-litellm-spend-logs-metadata must be a JSON object, e.g. {"project": "alpha"}',
      { param: 'x-litellm-spend-logs-metadata' },
    );
  }
  return parsed as Record<string, unknown>;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
