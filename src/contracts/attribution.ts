/** Who and what an LLM call is booked to besides its key (found by src/server/attribution.ts). */
export interface Attribution {
  /** The end user the call is made for, charged as a customer. */
  customerId?: string;
  /** The tags of `x-litellm-tags`: the request's tags when its body names none. */
  headerTags?: string[];
  /** Spend tags from headers (`User-Agent: ...`, `Header-Name: value`), booked on top. */
  trackingTags?: readonly string[];
  /** `x-litellm-spend-logs-metadata`: kept in the spend log as `spend_logs_metadata`. */
  spendLogsMetadata?: Record<string, unknown>;
  /** The W3C `traceparent` header, read only when traces are sent. */
  traceParent?: string;
}
