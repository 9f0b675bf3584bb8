/** One LLM call with chosen headers and body fields, and the spend log row it was booked as. */
import type { AdminClient } from './admin-client.js';
import type { TestGateway } from './gateway.js';

export interface LoggedCall {
  status: number;
  body: { error?: { message: string } };
  /** `x-litellm-call-id`: the spend log's request id. */
  callId: string;
}

export interface LogRow {
  end_user: string;
  request_tags: string[];
  metadata: Record<string, unknown>;
}

export interface CallShape {
  headers?: Record<string, string>;
  /** Body fields besides the model `priced` and one user message. */
  fields?: Record<string, unknown>;
  /** Default `/v1/chat/completions`. */
  path?: string;
}

/** A call to the model `priced` with `key`, sent with the headers and body fields of `shape`. */
export async function callWith(
  gateway: TestGateway,
  key: string,
  { headers = {}, fields = {}, path = '/v1/chat/completions' }: CallShape = {},
): Promise<LoggedCall> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      model: 'priced',
      messages: [{ role: 'user', content: 'hi' }],
      ...fields,
    }),
  });
  return {
    status: response.status,
    body: (await response.json()) as LoggedCall['body'],
    callId: response.headers.get('x-litellm-call-id') ?? '',
  };
}

/** The spend log row of a call, once the ledger has written it. */
export async function logRowOf(
  gateway: TestGateway,
  api: AdminClient,
  callId: string,
): Promise<LogRow | undefined> {
  await gateway.app.ledger?.flush();
  const logs = await api.get(`/spend/logs?request_id=${callId}`);
  return (logs.body as LogRow[])[0];
}
