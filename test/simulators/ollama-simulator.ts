/**
 * Simulates an Ollama server: /api/chat, /api/generate, /api/embed and /api/tags with Ollama's
 * exact JSON and NDJSON streams (streaming is on unless `stream: false`, as in Ollama), `num_predict`
 * cut-offs reported as `done_reason: "length"`, and `{"error": "..."}` bodies. A user message
 * containing "use a tool" calls the first tool offered; one containing "fail mid-stream" streams a
 * little, then an error line, as Ollama does when the runner dies after the 200.
 */
import type { ServerResponse } from 'node:http';
import { countSimTokens, simulatedAnswer } from './openai-simulator.js';
import {
  startSimulator,
  writeJsonWithFault,
  writeStream,
  type Fault,
  type Simulator,
} from './simulator-server.js';

export interface OllamaSimulatorOptions {
  /** Models pulled on this server (`llama3` also answers to `llama3:latest`); any when unset. */
  models?: string[];
}

interface OllamaBody {
  model?: string;
  messages?: { role: string; content?: string }[];
  prompt?: string;
  system?: string;
  input?: string | string[];
  stream?: boolean;
  tools?: { function?: { name?: string } }[];
  options?: { num_predict?: number };
  format?: unknown;
}

const CREATED_AT = '2024-05-01T10:00:00.000000Z';
const NDJSON = 'application/x-ndjson';

export async function startOllamaSimulator(
  options: OllamaSimulatorOptions = {},
): Promise<Simulator> {
  const pulled = (model: string) =>
    !options.models || options.models.some((m) => m === model || `${m}:latest` === model);
  return startSimulator(({ req, res, fault }) => {
    if (fault?.kind === 'status') {
      return sendOllamaError(
        res,
        fault.status,
        fault.message ?? defaultMessage(fault.status),
        fault.headers,
      );
    }
    if (req.method === 'GET' && req.path === '/api/tags')
      return tags(res, options.models ?? ['llama3'], fault);
    const body = (req.body ?? {}) as OllamaBody;
    const route = ROUTES[req.path];
    if (req.method !== 'POST' || !route) return sendOllamaError(res, 404, '404 page not found');
    if (!body.model) return sendOllamaError(res, 400, 'model is required');
    if (!pulled(body.model)) {
      return sendOllamaError(res, 404, `model "${body.model}" not found, try pulling it first`);
    }
    return route(res, body, fault);
  });
}

type Route = (res: ServerResponse, body: OllamaBody, fault?: Fault) => Promise<void>;

const ROUTES: Record<string, Route> = {
  '/api/chat': (res, body, fault) => answer(res, body, 'chat', fault),
  '/api/generate': (res, body, fault) => answer(res, body, 'generate', fault),
  '/api/embed': embed,
};

async function answer(
  res: ServerResponse,
  body: OllamaBody,
  api: 'chat' | 'generate',
  fault?: Fault,
) {
  const said = api === 'chat' ? lastUser(body.messages) : (body.prompt ?? '');
  const promptText =
    api === 'chat'
      ? (body.messages ?? []).map((m) => m.content ?? '').join(' ')
      : `${body.system ?? ''} ${said}`;
  const tool =
    api === 'chat' && said.includes('use a tool') ? body.tools?.[0]?.function?.name : undefined;
  let words: string[] = simulatedAnswer(said).match(/\S+\s*/g) ?? [];
  const limit = body.options?.num_predict;
  const cut = typeof limit === 'number' && limit >= 0 && limit < words.length;
  if (cut) words = words.slice(0, limit);
  if (body.format === 'json') words = [JSON.stringify({ answer: words.join('') })];
  const text = tool ? '' : words.join('');
  const toolCalls = tool ? [{ function: { name: tool, arguments: { city: 'Paris' } } }] : undefined;
  const piece = (content: string, calls?: unknown) =>
    api === 'chat'
      ? { message: { role: 'assistant', content, ...(calls ? { tool_calls: calls } : {}) } }
      : { response: content };
  const head = { model: body.model, created_at: CREATED_AT };
  const last = {
    ...head,
    ...piece(body.stream === false ? text : '', body.stream === false ? toolCalls : undefined),
    done_reason: cut ? 'length' : 'stop',
    done: true,
    ...(api === 'generate' ? { context: [1, 2, 3] } : {}),
    total_duration: 5_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: countSimTokens(promptText),
    prompt_eval_duration: 1_000_000,
    eval_count: tool ? 10 : words.length,
    eval_duration: 3_000_000,
  };
  if (body.stream === false) return writeJsonWithFault(res, last, fault);
  const lines = tool
    ? [{ ...head, ...piece('', toolCalls), done: false }]
    : words.map((word) => ({ ...head, ...piece(word), done: false }));
  if (said.includes('fail mid-stream')) {
    const parts = [
      ...lines.slice(0, 2),
      { error: 'an error was encountered while running the model: unexpected EOF' },
    ];
    return writeStream(res, NDJSON, parts.map(ndjsonLine), fault);
  }
  return writeStream(res, NDJSON, [...lines, last].map(ndjsonLine), fault);
}

async function embed(res: ServerResponse, body: OllamaBody, fault?: Fault) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
  const embeddings = inputs.map((input, i) => [0.25 * (i + 1), -0.5, input.length / 100]);
  const tokens = inputs.reduce((n, input) => n + countSimTokens(input), 0);
  return writeJsonWithFault(
    res,
    {
      model: body.model,
      embeddings,
      total_duration: 2_000_000,
      load_duration: 500_000,
      prompt_eval_count: tokens,
    },
    fault,
  );
}

async function tags(res: ServerResponse, models: string[], fault?: Fault) {
  const list = models.map((name) => ({
    name: name.includes(':') ? name : `${name}:latest`,
    model: name.includes(':') ? name : `${name}:latest`,
    modified_at: CREATED_AT,
    size: 4_661_224_676,
    digest: 'sha256:365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1',
    details: {
      format: 'gguf',
      family: 'llama',
      parameter_size: '8.0B',
      quantization_level: 'Q4_0',
    },
  }));
  return writeJsonWithFault(res, { models: list }, fault);
}

function lastUser(messages: OllamaBody['messages']): string {
  return [...(messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '';
}

function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function defaultMessage(status: number): string {
  if (status === 429) return 'server busy, please try again.  maximum pending requests exceeded';
  if (status >= 500) return 'llama runner process has terminated: exit status 2';
  return 'invalid request';
}

export function sendOllamaError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ error: message }));
}
