/**
 * Simulates Anthropic's Messages API (`POST /v1/messages`) with its exact JSON, SSE events and
 * error bodies. Like the real API it requires `max_tokens`, checks `x-api-key` and rejects roles it
 * does not know. A last user text containing "use a tool" makes the model call the first tool
 * offered; "fail mid-stream" makes a stream end with an `overloaded_error` event. A system prompt
 * with `cache_control` is written to the cache on first sight and read from it afterwards.
 */
import type { ServerResponse } from 'node:http';
import { anthropicErrorType } from '../../src/providers/anthropic/anthropic-errors.js';
import { countSimTokens, simulatedAnswer } from './openai-simulator.js';
import {
  startSimulator,
  writeJsonWithFault,
  writeStream,
  type Fault,
  type Simulator,
} from './simulator-server.js';

export interface AnthropicSimulatorOptions {
  /** Required `x-api-key`; any key is accepted when unset. */
  apiKey?: string;
}

interface Block {
  type?: string;
  text?: string;
  cache_control?: unknown;
  tool_use_id?: string;
  id?: string;
}

export interface MessagesBody {
  model?: string;
  max_tokens?: number;
  system?: string | Block[];
  messages?: { role?: string; content?: string | Block[] }[];
  tools?: { name?: string }[];
  stream?: boolean;
  stop_sequences?: string[];
}

type StatusFault = Extract<Fault, { kind: 'status' }>;

export async function startAnthropicSimulator(
  options: AnthropicSimulatorOptions = {},
): Promise<Simulator> {
  const cachedSystems = new Set<string>();
  return startSimulator(async ({ req, res, fault }) => {
    if (fault?.kind === 'status') return sendAnthropicError(res, fault);
    if (options.apiKey && req.headers['x-api-key'] !== options.apiKey) {
      return sendAnthropicError(res, { kind: 'status', status: 401, message: 'invalid x-api-key' });
    }
    if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') {
      return countTokens(res, (req.body ?? {}) as MessagesBody & Record<string, unknown>);
    }
    if (req.method !== 'POST' || req.path !== '/v1/messages') {
      return sendAnthropicError(res, { kind: 'status', status: 404, message: 'Not Found' });
    }
    return answerMessages(res, (req.body ?? {}) as MessagesBody, cachedSystems, fault);
  });
}

/** Answers a Messages API body as Anthropic does (also for Claude on Vertex AI's simulator). */
export function answerMessages(
  res: ServerResponse,
  body: MessagesBody,
  cachedSystems: Set<string>,
  fault?: Fault,
): void | Promise<void> {
  const invalid = validate(body);
  if (invalid) return sendAnthropicError(res, { kind: 'status', status: 400, message: invalid });
  const answer = buildAnswer(body, cachedSystems);
  if (body.stream && fault?.kind !== 'garbage') return streamAnswer(res, answer, fault);
  return writeJsonWithFault(res, answer.message, fault);
}

/** Fields Anthropic's count_tokens accepts; any other is a 400, as there. */
const COUNT_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking']);

/** `POST /v1/messages/count_tokens`: the words of the system prompt, messages and tool names. */
function countTokens(res: ServerResponse, body: MessagesBody & Record<string, unknown>): void {
  const extra = Object.keys(body).find((k) => !COUNT_FIELDS.has(k));
  if (extra) {
    return sendAnthropicError(res, {
      kind: 'status',
      status: 400,
      message: `${extra}: Extra inputs are not permitted`,
    });
  }
  if (!body.messages?.length) {
    return sendAnthropicError(res, {
      kind: 'status',
      status: 400,
      message: 'messages: at least one message is required',
    });
  }
  const text = [textOf(body.system), ...body.messages.map((m) => textOf(m.content))].join(' ');
  const tools = (body.tools ?? []).map((t) => t.name ?? '').join(' ');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ input_tokens: countSimTokens(`${text} ${tools}`) }));
}

function validate(body: MessagesBody): string | undefined {
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!body.messages?.length) return 'messages: at least one message is required';
  const toolUseIds = new Set<string>();
  for (const [i, message] of body.messages.entries()) {
    if (message.role !== 'user' && message.role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (typeof message.content === 'string') continue;
    for (const block of message.content ?? []) {
      if (block.type === 'tool_use' && block.id) toolUseIds.add(block.id);
      if (block.type === 'tool_result' && !toolUseIds.has(block.tool_use_id ?? '')) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
  }
  return undefined;
}

function textOf(content: string | Block[] | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((b) => b.text ?? '').join(' ');
}

interface Answer {
  message: Record<string, unknown>;
  usage: Record<string, number>;
  text: string;
  tool?: { id: string; name: string; input: Record<string, unknown> };
  failMidStream: boolean;
}

function buildAnswer(body: MessagesBody, cachedSystems: Set<string>): Answer {
  const messages = body.messages ?? [];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const said = textOf(lastUser?.content);
  const toolName = said.includes('use a tool') ? body.tools?.[0]?.name : undefined;
  let text = toolName ? "I'll use the tool." : simulatedAnswer(said);
  let stopReason = toolName ? 'tool_use' : 'end_turn';
  let stopSequence: string | null = null;
  const hit = body.stop_sequences?.find((s) => text.includes(s));
  if (!toolName && hit) {
    text = text.slice(0, text.indexOf(hit));
    [stopReason, stopSequence] = ['stop_sequence', hit];
  }
  const words = text.match(/\S+\s*/g) ?? [];
  if (!toolName && body.max_tokens !== undefined && words.length > body.max_tokens) {
    text = words.slice(0, body.max_tokens).join('');
    [stopReason, stopSequence] = ['max_tokens', null];
  }

  const systemText = textOf(body.system);
  const cached = Array.isArray(body.system) && body.system.some((b) => b.cache_control);
  const systemTokens = countSimTokens(systemText);
  const usage = {
    input_tokens: countSimTokens(messages.map((m) => textOf(m.content)).join(' ')),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: countSimTokens(text) + (toolName ? 3 : 0),
  };
  if (!cached) usage.input_tokens += systemTokens;
  else if (cachedSystems.has(systemText)) usage.cache_read_input_tokens = systemTokens;
  else {
    cachedSystems.add(systemText);
    usage.cache_creation_input_tokens = systemTokens;
  }

  const tool = toolName
    ? { id: 'toolu_sim1', name: toolName, input: { city: 'Paris' } }
    : undefined;
  const content: Record<string, unknown>[] = [{ type: 'text', text }];
  if (tool) content.push({ type: 'tool_use', ...tool });
  const message = {
    id: 'msg_sim123',
    type: 'message',
    role: 'assistant',
    model: body.model ?? 'claude-sim',
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    usage,
  };
  return { message, usage, text, tool, failMidStream: said.includes('fail mid-stream') };
}

function streamAnswer(res: ServerResponse, answer: Answer, fault?: Fault): Promise<void> {
  const parts: string[] = [];
  const send = (type: string, payload: Record<string, unknown>) =>
    parts.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  const { usage, message } = answer;
  send('message_start', {
    message: {
      ...message,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  });
  send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  send('ping', {});
  for (const word of answer.text.match(/\S+\s*/g) ?? []) {
    send('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } });
    if (answer.failMidStream) {
      send('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
      return writeStream(res, 'text/event-stream', parts, fault);
    }
  }
  send('content_block_stop', { index: 0 });
  if (answer.tool) {
    const { id, name } = answer.tool;
    send('content_block_start', {
      index: 1,
      content_block: { type: 'tool_use', id, name, input: {} },
    });
    for (const partial of ['', '{"city":', ' "Paris"}']) {
      send('content_block_delta', {
        index: 1,
        delta: { type: 'input_json_delta', partial_json: partial },
      });
    }
    send('content_block_stop', { index: 1 });
  }
  send('message_delta', {
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: { output_tokens: usage.output_tokens },
  });
  send('message_stop', {});
  return writeStream(res, 'text/event-stream', parts, fault);
}

const DEFAULT_MESSAGES: Record<string, string> = {
  rate_limit_error:
    'This request would exceed the rate limit for your organization of 50 input tokens per minute.',
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  authentication_error: 'invalid x-api-key',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'model: claude-sim-unknown',
  invalid_request_error: 'Invalid request',
};

export function sendAnthropicError(res: ServerResponse, fault: StatusFault): void {
  // `code` lets a test pick the error type, e.g. request_too_large.
  const type = fault.code ?? anthropicErrorType(fault.status);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': 'req_sim123',
  };
  if (fault.status === 429) headers['retry-after'] = '20';
  if (fault.status === 529) headers['x-should-retry'] = 'true';
  res.writeHead(fault.status, { ...headers, ...fault.headers });
  const message = fault.message ?? DEFAULT_MESSAGES[type] ?? 'Error';
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}
