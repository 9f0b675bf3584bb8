/**
 * Answers `mock://` requests in OpenAI wire format: a deterministic reply with a real usage block,
 * SSE streaming, configurable latency, and LiteLLM's `mock_response: "litellm.RateLimitError"`-style
 * error triggers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { own } from '../../util/own.js';
import { silentWav } from '../../util/silent-wav.js';

export interface MockReply {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

const ERROR_TRIGGERS: Record<
  string,
  { status: number; type: string; code: string | null; message: string }
> = {
  'litellm.RateLimitError': {
    status: 429,
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached (mock)',
  },
  'litellm.InternalServerError': {
    status: 500,
    type: 'server_error',
    code: null,
    message: 'Internal server error (mock)',
  },
  'litellm.ServiceUnavailableError': {
    status: 503,
    type: 'server_error',
    code: null,
    message: 'Service unavailable (mock)',
  },
  'litellm.BadRequestError': {
    status: 400,
    type: 'invalid_request_error',
    code: null,
    message: 'Bad request (mock)',
  },
  'litellm.AuthenticationError': {
    status: 401,
    type: 'invalid_request_error',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided (mock)',
  },
  'litellm.NotFoundError': {
    status: 404,
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist (mock)',
  },
  'litellm.Timeout': {
    status: 408,
    type: 'timeout',
    code: null,
    message: 'Request timed out (mock)',
  },
  'litellm.ContextWindowExceededError': {
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    message: "This model's maximum context length is 8192 tokens (mock)",
  },
  'litellm.ContentPolicyViolationError': {
    status: 400,
    type: 'invalid_request_error',
    code: 'content_policy_violation',
    message: 'Your request was rejected as a result of our safety system (mock)',
  },
};

const encoder = new TextEncoder();

export function answerMockRequest(
  url: string,
  headers: Record<string, string>,
  body: string,
): MockReply {
  const request = JSON.parse(body) as Record<string, unknown>;
  const path = new URL(url).pathname;
  const configured = headers['x-mock-response']
    ? decodeURIComponent(headers['x-mock-response'])
    : undefined;
  const latency = Number(headers['x-mock-latency-ms'] ?? 0);
  const chunkDelay = Number(headers['x-mock-chunk-delay-ms'] ?? 0);
  const model = String(request.model ?? 'mock');

  const trigger = configured !== undefined ? own(ERROR_TRIGGERS, configured) : undefined;
  if (trigger) {
    const errorBody = {
      error: { message: trigger.message, type: trigger.type, param: null, code: trigger.code },
    };
    const extra: Record<string, string> = trigger.status === 429 ? { 'retry-after': '1' } : {};
    return reply({
      status: trigger.status,
      contentType: 'application/json',
      parts: [JSON.stringify(errorBody)],
      latencyMs: latency,
      extraHeaders: extra,
    });
  }
  if (path.endsWith('/embeddings')) {
    const refusal = embeddingRefusal(request);
    if (refusal) {
      return reply({
        status: 400,
        contentType: 'application/json',
        parts: [JSON.stringify(refusal)],
        latencyMs: latency,
      });
    }
    const json = JSON.stringify(embeddingBody(request, model));
    return reply({
      status: 200,
      contentType: 'application/json',
      parts: [json],
      latencyMs: latency,
    });
  }
  if (path.endsWith('/audio/transcriptions') || path.endsWith('/audio/translations')) {
    const format = headers['x-mock-response-format'] ?? 'json';
    const text = configured ?? 'This is a mock transcription.';
    const json = format === 'json' || format === 'verbose_json';
    return reply({
      status: 200,
      contentType: json ? 'application/json' : 'text/plain; charset=utf-8',
      parts: [json ? JSON.stringify({ text }) : `${text}\n`],
      latencyMs: latency,
    });
  }
  if (path.endsWith('/audio/speech')) {
    return reply({
      status: 200,
      contentType: 'audio/wav',
      // 60 ms a character of the input, about the pace of speech.
      parts: [silentWav(Math.min(60, String(request.input ?? '').length * 0.06))],
      latencyMs: latency,
    });
  }
  if (path.endsWith('/images/edits') || path.endsWith('/images/variations')) {
    const edit = {
      n: Number(headers['x-mock-image-n'] ?? 1),
      response_format: headers['x-mock-response-format'],
    };
    return reply({
      status: 200,
      contentType: 'application/json',
      parts: [JSON.stringify(imageBody(edit))],
      latencyMs: latency,
    });
  }
  if (path.endsWith('/images/generations')) {
    return reply({
      status: 200,
      contentType: 'application/json',
      parts: [JSON.stringify(imageBody(request))],
      latencyMs: latency,
    });
  }
  const isChat = path.endsWith('/chat/completions');
  const prompt = isChat ? lastUserText(request.messages) : promptText(request.prompt);
  // Like a real model, the answer stops at the output cap the request sets.
  const full = configured ?? `This is a mock response to: ${truncate(prompt, 80)}`;
  const cap = outputCap(request);
  const answer = cap !== undefined && countTokens(full) > cap ? full.slice(0, cap * 4) : full;
  const finishReason = answer === full ? 'stop' : 'length';
  const usage = {
    prompt_tokens: countTokens(isChat ? JSON.stringify(request.messages) : prompt),
    completion_tokens: countTokens(answer),
    total_tokens: 0,
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  const id = `chatcmpl-mock-${hash(body)}`;
  const created = Math.floor(Date.now() / 1000);

  if (request.stream === true) {
    const includeUsage =
      (request.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const events = streamEvents({
      id,
      created,
      model,
      answer,
      usage,
      isChat,
      includeUsage,
      finishReason,
    });
    return reply({
      status: 200,
      contentType: 'text/event-stream',
      parts: events,
      latencyMs: latency,
      gapMs: chunkDelay,
    });
  }
  const json = isChat
    ? {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: answer },
            finish_reason: finishReason,
          },
        ],
        usage,
      }
    : {
        id,
        object: 'text_completion',
        created,
        model,
        choices: [{ index: 0, text: answer, finish_reason: finishReason, logprobs: null }],
        usage,
      };
  return reply({
    status: 200,
    contentType: 'application/json',
    parts: [JSON.stringify(json)],
    latencyMs: latency,
  });
}

interface StreamSpec {
  id: string;
  created: number;
  model: string;
  answer: string;
  finishReason: 'stop' | 'length';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  isChat: boolean;
  includeUsage: boolean;
}

function streamEvents(spec: StreamSpec): string[] {
  const { id, created, model, isChat } = spec;
  const object = isChat ? 'chat.completion.chunk' : 'text_completion';
  const piece = (text: string, first: boolean): Record<string, unknown> =>
    isChat
      ? {
          index: 0,
          delta: first ? { role: 'assistant', content: text } : { content: text },
          finish_reason: null,
        }
      : { index: 0, text, finish_reason: null, logprobs: null };
  const words = spec.answer.match(/\S+\s*/g) ?? [''];
  const events = words.map((word, i) => ({
    id,
    object,
    created,
    model,
    choices: [piece(word, i === 0)],
  }));
  const finish: Record<string, unknown> = isChat
    ? { index: 0, delta: {}, finish_reason: spec.finishReason }
    : { index: 0, text: '', finish_reason: spec.finishReason, logprobs: null };
  events.push({ id, object, created, model, choices: [finish] });
  const lines = events.map((e) => `data: ${JSON.stringify(e)}\n\n`);
  if (spec.includeUsage) {
    lines.push(
      `data: ${JSON.stringify({ id, object, created, model, choices: [], usage: spec.usage })}\n\n`,
    );
  }
  lines.push('data: [DONE]\n\n');
  return lines;
}

/** OpenAI's own bounds: an answer is inputs × dimensions numbers, so both are capped. */
const MAX_EMBEDDING_INPUTS = 2048;
const MAX_EMBEDDING_DIMENSIONS = 3072;

/** OpenAI's 400 for an embedding request past its bounds, or undefined when within them. */
function embeddingRefusal(request: Record<string, unknown>) {
  const refuse = (param: string, message: string) => ({
    error: { message, type: 'invalid_request_error', param, code: null },
  });
  const inputs = Array.isArray(request.input) ? request.input.length : 1;
  if (inputs > MAX_EMBEDDING_INPUTS) {
    return refuse(
      'input',
      `'input' holds ${inputs} items; at most ${MAX_EMBEDDING_INPUTS} may be embedded in one request`,
    );
  }
  const dims = request.dimensions;
  if (
    dims !== undefined &&
    (!Number.isInteger(dims) || Number(dims) < 1 || Number(dims) > MAX_EMBEDDING_DIMENSIONS)
  ) {
    return refuse(
      'dimensions',
      `Invalid value for 'dimensions': ${JSON.stringify(dims)}. It must be a whole number from 1 to ${MAX_EMBEDDING_DIMENSIONS}`,
    );
  }
  return undefined;
}

function embeddingBody(request: Record<string, unknown>, model: string) {
  const inputs = Array.isArray(request.input) ? request.input : [request.input];
  const dims = typeof request.dimensions === 'number' ? request.dimensions : 8;
  const data = inputs.map((input, index) => {
    const seed = hash(JSON.stringify(input));
    const embedding = Array.from(
      { length: dims },
      (_, i) => ((parseInt(seed.slice(i % 8, (i % 8) + 4), 16) % 2000) - 1000) / 1000,
    );
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce<number>((sum, input) => sum + countTokens(JSON.stringify(input)), 0);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** A 1 × 1 transparent PNG: what the mock draws, whatever it is asked for. */
const MOCK_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** OpenAI's images answer: `n` images, as base64 or as a (data) URL, as the request asks. */
function imageBody(request: Record<string, unknown>) {
  const n = typeof request.n === 'number' ? request.n : 1;
  const prompt = typeof request.prompt === 'string' ? request.prompt : '';
  const image =
    request.response_format === 'b64_json'
      ? { b64_json: MOCK_PNG_BASE64 }
      : { url: `data:image/png;base64,${MOCK_PNG_BASE64}` };
  return {
    created: Math.floor(Date.now() / 1000),
    data: Array.from({ length: n }, () => ({ ...image, revised_prompt: prompt })),
  };
}

interface ReplySpec {
  status: number;
  contentType: string;
  parts: (string | Uint8Array)[];
  latencyMs: number;
  gapMs?: number;
  extraHeaders?: Record<string, string>;
}

function reply(spec: ReplySpec): MockReply {
  const { latencyMs, gapMs = 0, parts } = spec;
  async function* body() {
    if (latencyMs > 0) await sleep(latencyMs);
    for (let i = 0; i < parts.length; i++) {
      if (i > 0 && gapMs > 0) await sleep(gapMs);
      const part = parts[i]!;
      yield typeof part === 'string' ? encoder.encode(part) : part;
    }
  }
  return {
    status: spec.status,
    headers: { 'content-type': spec.contentType, ...spec.extraHeaders },
    body: body(),
  };
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown };
    if (m?.role === 'user') {
      if (typeof m.content === 'string') return m.content;
      if (Array.isArray(m.content)) {
        return m.content
          .map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : ''))
          .join(' ');
      }
    }
  }
  return '';
}

function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.map((p) => (typeof p === 'string' ? p : '')).join(' ');
  return '';
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `max_completion_tokens` or `max_tokens`, when the request sets a positive one. */
function outputCap(request: Record<string, unknown>): number | undefined {
  for (const field of ['max_completion_tokens', 'max_tokens']) {
    const value = request[field];
    if (typeof value === 'number' && value >= 1) return Math.floor(value);
  }
  return undefined;
}

/** Roughly four characters a token, as OpenAI's rule of thumb; deterministic is what matters. */
function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
