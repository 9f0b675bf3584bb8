/**
 * Simulates the OpenAI API (and every OpenAI-compatible vendor): /chat/completions, /completions,
 * /embeddings and /models under an optional path prefix, with OpenAI's exact JSON, SSE and error
 * bodies. A user message containing "use a tool" makes the model call the first tool offered.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { rerankResults } from './cohere-simulator.js';
import {
  startSimulator,
  writeJsonWithFault,
  writeStream,
  type Fault,
  type Simulator,
} from './simulator-server.js';

export interface OpenAiSimulatorOptions {
  /** Required `Authorization: Bearer` value; any key is accepted when unset. */
  apiKey?: string;
  /** Path prefix, `/v1` by default. */
  prefix?: string;
  /** Models this upstream serves; any model when unset. */
  models?: string[];
  /** Leave out the usage block (like some self-hosted servers) unless asked for it. */
  omitUsage?: boolean;
  /** Never send a usage chunk in streams, even when asked (servers that ignore stream_options). */
  ignoreStreamUsage?: boolean;
  /** Headers sent with every answer (`x-ratelimit-remaining-requests`, as OpenAI sends). */
  responseHeaders?: Record<string, string>;
}

interface ChatBody {
  model?: string;
  messages?: { role: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: { function?: { name?: string } }[];
  prompt?: unknown;
  input?: unknown;
  max_tokens?: number;
  n?: number;
}

export function simulatedAnswer(text: string): string {
  return `Hello from the simulator! You said: ${text}`;
}

export function countSimTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export async function startOpenAiSimulator(
  options: OpenAiSimulatorOptions = {},
): Promise<Simulator> {
  const prefix = options.prefix ?? '/v1';
  /** Responses created with `store` (OpenAI's default), by id, for `previous_response_id`. */
  const stored: StoredResponses = new Map();
  return startSimulator(async ({ req, res, fault }) => {
    for (const [name, value] of Object.entries(options.responseHeaders ?? {})) {
      res.setHeader(name, value);
    }
    if (fault?.kind === 'status') return sendOpenAiError(res, fault);
    const auth = req.headers.authorization;
    if (options.apiKey && auth !== `Bearer ${options.apiKey}`) {
      return sendOpenAiError(res, {
        kind: 'status',
        status: 401,
        message: `Incorrect API key provided: ${String(auth).slice(7, 12)}***. You can find your API key at https://platform.openai.com/account/api-keys.`,
        code: 'invalid_api_key',
      });
    }
    const path = req.path.startsWith(prefix) ? req.path.slice(prefix.length) : req.path;
    const body = (req.body ?? {}) as ChatBody;
    if (options.models && body.model && !options.models.includes(body.model)) {
      return sendOpenAiError(res, {
        kind: 'status',
        status: 404,
        message: `The model \`${body.model}\` does not exist or you do not have access to it.`,
        code: 'model_not_found',
      });
    }
    if (req.method === 'GET' && path === '/models') {
      const data = (options.models ?? ['gpt-4o-mini']).map((id) => ({
        id,
        object: 'model',
        created: 1700000000,
        owned_by: 'system',
      }));
      return writeJsonWithFault(res, { object: 'list', data }, fault);
    }
    if (path === '/chat/completions') return chat(res, body, options, fault);
    if (path === '/responses' && req.method === 'POST') {
      return responses(res, req.body as ResponsesBody, stored, fault);
    }
    const byId = STORED_PATH.exec(path);
    if (byId) return storedResponse(res, req.method, byId, stored);
    if (path === '/completions') return completion(res, body, options, fault);
    if (path === '/embeddings') return embeddings(res, body, fault);
    if (path === '/moderations' && req.method === 'POST') return moderations(res, body, fault);
    if (path === '/audio/transcriptions' && req.method === 'POST') {
      return transcription(res, req);
    }
    if (path === '/audio/translations' && req.method === 'POST') {
      return transcription(res, req, 'translate');
    }
    if (path === '/audio/speech' && req.method === 'POST') {
      return speech(res, req.body as SpeechBody, fault);
    }
    if (path === '/images/edits' && req.method === 'POST') return imageEdit(res, req);
    if (path === '/images/variations' && req.method === 'POST') return imageEdit(res, req, true);
    // vLLM's Cohere-compatible rerank, with its usage block.
    if (path === '/rerank' && req.method === 'POST') {
      const rerank = req.body as { query?: string; documents?: unknown[] };
      const tokens = countSimTokens(JSON.stringify([rerank.query, rerank.documents]));
      return writeJsonWithFault(
        res,
        {
          id: 'rerank-vllm-sim',
          model: body.model,
          usage: { total_tokens: tokens },
          results: rerankResults(rerank),
        },
        fault,
      );
    }
    if (path === '/images/generations' && req.method === 'POST') {
      return images(res, req.body as ImagesBody, fault);
    }
    return sendOpenAiError(res, {
      kind: 'status',
      status: 404,
      message: `Unknown path ${req.path}`,
    });
  });
}

function usageFor(prompt: string, answer: string) {
  const prompt_tokens = countSimTokens(prompt);
  const completion_tokens = countSimTokens(answer);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function lastUser(messages: ChatBody['messages']): string {
  const last = [...(messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content)) {
    return last.content.map((p: { text?: string }) => p.text ?? '').join(' ');
  }
  return '';
}

async function chat(
  res: ServerResponse,
  body: ChatBody,
  options: OpenAiSimulatorOptions,
  fault?: Fault,
) {
  const said = lastUser(body.messages);
  const answer = simulatedAnswer(said);
  const promptText = (body.messages ?? [])
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join(' ');
  const usage = usageFor(promptText, answer);
  const id = 'chatcmpl-sim123';
  const created = 1700000000;
  const model = body.model ?? 'unknown';
  const tool = said.includes('use a tool') ? body.tools?.[0]?.function?.name : undefined;
  if (body.stream) {
    const base = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_sim',
    };
    const parts: string[] = [];
    // Asked for usage, OpenAI puts `"usage":null` in every chunk and the counts in a last one.
    const usageAsked = body.stream_options?.include_usage === true && !options.ignoreStreamUsage;
    const push = (obj: object) =>
      parts.push(
        `data: ${JSON.stringify(usageAsked && !('usage' in obj) ? { ...obj, usage: null } : obj)}\n\n`,
      );
    if (tool) {
      push({
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  index: 0,
                  id: 'call_sim1',
                  type: 'function',
                  function: { name: tool, arguments: '' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      });
      push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
            finish_reason: null,
          },
        ],
      });
      push({
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
            finish_reason: null,
          },
        ],
      });
      push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    } else {
      push({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      });
      for (const word of answer.match(/\S+\s*/g) ?? []) {
        push({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
      }
      push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    }
    if (usageAsked) push({ ...base, choices: [], usage });
    parts.push('data: [DONE]\n\n');
    return writeStream(res, 'text/event-stream', parts, fault);
  }
  const message = tool
    ? {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_sim1',
            type: 'function',
            function: { name: tool, arguments: '{"city":"Paris"}' },
          },
        ],
        refusal: null,
      }
    : { role: 'assistant', content: answer, refusal: null };
  const json: Record<string, unknown> = {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: tool ? 'tool_calls' : 'stop' }],
    system_fingerprint: 'fp_sim',
  };
  if (!options.omitUsage) json.usage = usage;
  return writeJsonWithFault(res, json, fault);
}

/** Responses stored (`store`, OpenAI's default), by id. */
export type StoredResponses = Map<string, { said: string; response: unknown; input: unknown[] }>;

const STORED_PATH = /^\/responses\/([^/]+)(\/cancel|\/input_items)?$/;

/** `GET`/`DELETE /responses/{id}`, `POST .../cancel`, `GET .../input_items`, as OpenAI answers. */
export function storedResponse(
  res: ServerResponse,
  method: string,
  match: RegExpExecArray,
  stored: StoredResponses,
): void {
  const id = decodeURIComponent(match[1] ?? '');
  const entry = stored.get(id);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!entry) {
    return json(404, {
      error: {
        message: `Response with id '${id}' not found.`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }
  if (match[2] === '/input_items' && method === 'GET') {
    return json(200, { object: 'list', data: entry.input, has_more: false });
  }
  if (match[2] === '/cancel' && method === 'POST') {
    return json(400, {
      error: {
        message: 'Only responses created with background=true can be cancelled.',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  }
  if (!match[2] && method === 'DELETE') {
    stored.delete(id);
    return json(200, { id, object: 'response', deleted: true });
  }
  if (!match[2] && method === 'GET') return json(200, entry.response);
  return json(405, { error: { message: 'Method not allowed', type: 'invalid_request_error' } });
}

export interface ResponsesBody {
  model?: string;
  input?: string | { role?: string; type?: string; content?: unknown }[];
  instructions?: string;
  previous_response_id?: string;
  store?: boolean;
  stream?: boolean;
  tools?: { type?: string; name?: string }[];
  [k: string]: unknown;
}

/** Fields of OpenAI's Responses API the simulator accepts; any other is a 400, as there. */
const RESPONSES_FIELDS = new Set([
  'model',
  'input',
  'instructions',
  'previous_response_id',
  'store',
  'stream',
  'tools',
  'tool_choice',
  'temperature',
  'top_p',
  'max_output_tokens',
  'metadata',
  'include',
  'reasoning',
  'text',
  'parallel_tool_calls',
  'user',
  'truncation',
]);

/**
 * OpenAI's Responses API: the answer to the last user text, a `web_search_call` item first when
 * a web search tool is offered (a hosted tool, run by OpenAI), and `previous_response_id` looked
 * up among the stored responses (unknown ids are a 400, as at OpenAI).
 */
export async function responses(
  res: ServerResponse,
  body: ResponsesBody,
  stored: StoredResponses,
  fault?: Fault,
) {
  const extra = Object.keys(body).find((k) => !RESPONSES_FIELDS.has(k));
  if (extra) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Unknown parameter: '${extra}'.`,
    });
  }
  if (body.previous_response_id && !stored.has(body.previous_response_id)) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Previous response with id '${body.previous_response_id}' not found.`,
    });
  }
  const items =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
  const texts = items.map((item) =>
    typeof item.content === 'string'
      ? item.content
      : Array.isArray(item.content)
        ? item.content.map((p: { text?: string }) => p.text ?? '').join(' ')
        : '',
  );
  const lastUserIndex = items.map((i) => i.role).lastIndexOf('user');
  const said = texts[lastUserIndex] ?? '';
  const earlier = body.previous_response_id
    ? stored.get(body.previous_response_id)?.said
    : undefined;
  const answer = simulatedAnswer(earlier ? `${said} (after: ${earlier})` : said);
  const id = `resp_sim${stored.size + 1}`;
  const input = items;
  const usage = {
    input_tokens: countSimTokens([body.instructions ?? '', ...texts].join(' ')),
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: countSimTokens(answer),
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  usage.total_tokens = usage.input_tokens + usage.output_tokens;
  const searched = body.tools?.some((t) => t.type === 'web_search_preview');
  const searchItem = { type: 'web_search_call', id: 'ws_sim1', status: 'completed' };
  const message = (text: string, status: string) => ({
    type: 'message',
    id: 'msg_sim1',
    status,
    role: 'assistant',
    content:
      text === '' && status === 'in_progress'
        ? []
        : [{ type: 'output_text', text, annotations: [] }],
  });
  const response = (status: string, output: unknown[]) => ({
    id,
    object: 'response',
    created_at: 1700000000,
    status,
    model: body.model ?? 'unknown',
    output,
    previous_response_id: body.previous_response_id ?? null,
    store: body.store !== false,
    usage: status === 'completed' ? usage : null,
  });
  const final = [...(searched ? [searchItem] : []), message(answer, 'completed')];
  if (body.store !== false) {
    stored.set(id, { said, response: response('completed', final), input });
  }
  if (!body.stream) return writeJsonWithFault(res, response('completed', final), fault);
  let sequence = 0;
  const parts: string[] = [];
  const event = (type: string, payload: Record<string, unknown>) =>
    parts.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...payload })}\n\n`,
    );
  event('response.created', { response: response('in_progress', []) });
  event('response.in_progress', { response: response('in_progress', []) });
  const at = searched ? 1 : 0;
  if (searched) {
    event('response.output_item.added', {
      output_index: 0,
      item: { ...searchItem, status: 'in_progress' },
    });
    event('response.output_item.done', { output_index: 0, item: searchItem });
  }
  event('response.output_item.added', { output_index: at, item: message('', 'in_progress') });
  const part = { type: 'output_text', text: '', annotations: [] };
  event('response.content_part.added', {
    item_id: 'msg_sim1',
    output_index: at,
    content_index: 0,
    part,
  });
  for (const word of answer.match(/\S+\s*/g) ?? []) {
    event('response.output_text.delta', {
      item_id: 'msg_sim1',
      output_index: at,
      content_index: 0,
      delta: word,
    });
  }
  event('response.output_text.done', {
    item_id: 'msg_sim1',
    output_index: at,
    content_index: 0,
    text: answer,
  });
  event('response.content_part.done', {
    item_id: 'msg_sim1',
    output_index: at,
    content_index: 0,
    part: { ...part, text: answer },
  });
  event('response.output_item.done', { output_index: at, item: message(answer, 'completed') });
  event('response.completed', { response: response('completed', final) });
  return writeStream(res, 'text/event-stream', parts, fault);
}

async function completion(
  res: ServerResponse,
  body: ChatBody,
  options: OpenAiSimulatorOptions,
  fault?: Fault,
) {
  const prompt = typeof body.prompt === 'string' ? body.prompt : JSON.stringify(body.prompt);
  const answer = simulatedAnswer(prompt);
  const usage = usageFor(prompt, answer);
  const base = {
    id: 'cmpl-sim123',
    object: 'text_completion',
    created: 1700000000,
    model: body.model ?? 'unknown',
  };
  if (body.stream) {
    const parts = (answer.match(/\S+\s*/g) ?? []).map(
      (word) =>
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: word, finish_reason: null, logprobs: null }] })}\n\n`,
    );
    parts.push(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: '', finish_reason: 'stop', logprobs: null }] })}\n\n`,
    );
    if (body.stream_options?.include_usage)
      parts.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
    parts.push('data: [DONE]\n\n');
    return writeStream(res, 'text/event-stream', parts, fault);
  }
  const json: Record<string, unknown> = {
    ...base,
    choices: [{ index: 0, text: answer, finish_reason: 'stop', logprobs: null }],
  };
  if (!options.omitUsage) json.usage = usage;
  return writeJsonWithFault(res, json, fault);
}

async function embeddings(res: ServerResponse, body: ChatBody, fault?: Fault) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((input, index) => ({
    object: 'embedding',
    index,
    embedding: [0.1 * (index + 1), 0.2, -0.3, String(input).length / 100],
  }));
  const tokens = inputs.reduce<number>((n, input) => n + countSimTokens(String(input)), 0);
  return writeJsonWithFault(
    res,
    {
      object: 'list',
      data,
      model: body.model ?? 'unknown',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    fault,
  );
}

/** OpenAI's moderation categories (omni-moderation), in its order. */
const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/instructions',
  'self-harm/intent',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/**
 * `/moderations`: one result per input string, or one for a list of text and image parts, as
 * OpenAI answers. Text that says "kill" is flagged for violence; everything else is not.
 */
async function moderations(res: ServerResponse, body: ChatBody, fault?: Fault) {
  const input: unknown = body.input;
  const texts: string[] = !Array.isArray(input)
    ? [String(input)]
    : input.every((x) => typeof x === 'string')
      ? input
      : [
          input
            .map((part: { type?: string; text?: string }) =>
              part.type === 'text' ? part.text : '',
            )
            .join(' '),
        ];
  const results = texts.map((text) => {
    const violent = /\bkill\b/i.test(text);
    const categories: Record<string, boolean> = {};
    const scores: Record<string, number> = {};
    const applied: Record<string, string[]> = {};
    for (const category of MODERATION_CATEGORIES) {
      const hit = violent && category === 'violence';
      categories[category] = hit;
      scores[category] = hit ? 0.91 : 0.0004;
      applied[category] = ['text'];
    }
    return {
      flagged: violent,
      categories,
      category_scores: scores,
      category_applied_input_types: applied,
    };
  });
  return writeJsonWithFault(
    res,
    {
      id: `modr-${randomUUID().slice(0, 8)}`,
      model: body.model ?? 'omni-moderation-latest',
      results,
    },
    fault,
  );
}

/** Seconds of a PCM WAV file, from its header (the simulator's only audio format). */
export function wavSeconds(bytes: Uint8Array): number | undefined {
  const wav = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (wav.length < 44 || wav.toString('latin1', 0, 4) !== 'RIFF') return undefined;
  return wav.readUInt32LE(40) / wav.readUInt32LE(28);
}

/** The text the simulator hears in a file. */
export function simulatedTranscript(filename: string, bytes: number): string {
  return `Transcript of ${filename} (${bytes} bytes).`;
}

/**
 * `/audio/transcriptions` as OpenAI answers it, from a multipart form: whisper-1 reports the
 * seconds it heard (`usage.type: duration`, `verbose_json`'s `duration`) and answers text, srt and
 * vtt as text; gpt-4o-transcribe reports tokens (~1,000 audio tokens a minute) and refuses the
 * formats it does not have. `file` and `model` are required.
 */
export async function transcription(
  res: ServerResponse,
  req: { headers: Record<string, string | string[] | undefined>; rawBytes: Buffer },
  task: 'transcribe' | 'translate' = 'transcribe',
): Promise<void> {
  const type = String(req.headers['content-type'] ?? '');
  let form: FormData;
  try {
    form = await new Request('http://simulator.invalid/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: req.rawBytes,
    }).formData();
  } catch {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: 'Could not parse multipart form',
    });
  }
  const file = form.get('file');
  const model = form.get('model');
  if (!(file instanceof Blob) || typeof model !== 'string') {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Missing required parameter: '${file instanceof Blob ? 'model' : 'file'}'.`,
    });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = file instanceof File ? file.name : 'audio';
  const seconds = wavSeconds(bytes) ?? 1;
  const format = String(form.get('response_format') ?? 'json');
  const text =
    task === 'translate'
      ? `In English: ${simulatedTranscript(name, bytes.length)}`
      : simulatedTranscript(name, bytes.length);
  const tokens = model.startsWith('gpt-4o');
  if (task === 'translate' && tokens) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Model ${model} is not supported for translations. Use whisper-1.`,
    });
  }
  if (tokens && !['json', 'text'].includes(format)) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `response_format '${format}' is not compatible with model '${model}'. Use 'json' or 'text'.`,
    });
  }
  if (format === 'text' || format === 'srt' || format === 'vtt') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(format === 'text' ? `${text}\n` : `1\n00:00:00,000 --> 00:00:01,000\n${text}\n`);
    return;
  }
  const answer: Record<string, unknown> =
    format === 'verbose_json'
      ? { task, language: 'english', duration: seconds, text, segments: [] }
      : { text };
  if (tokens) {
    const audio = Math.ceil((seconds * 1000) / 60);
    const prompt = countSimTokens(String(form.get('prompt') ?? ''));
    const output = countSimTokens(text);
    answer.usage = {
      type: 'tokens',
      input_tokens: audio + prompt,
      input_token_details: { text_tokens: prompt, audio_tokens: audio },
      output_tokens: output,
      total_tokens: audio + prompt + output,
    };
  } else if (format === 'json') {
    answer.usage = { type: 'duration', seconds: Math.ceil(seconds) };
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(answer));
}

/** gpt-image-1's input tokens for one image to edit, as the simulator counts them. */
export const SIM_EDIT_IMAGE_TOKENS = 323;

/**
 * `/images/edits` as OpenAI answers it, from a multipart form: `image` (or `image[]`) and
 * `prompt` are required; gpt-image-* answer in base64 with usage, the image tokens of the images
 * it was given among the input tokens; dall-e-2 answers with URLs.
 */
export async function imageEdit(
  res: ServerResponse,
  req: { headers: Record<string, string | string[] | undefined>; rawBytes: Buffer },
  variation = false,
): Promise<void> {
  const form = await new Request('http://simulator.invalid/', {
    method: 'POST',
    headers: { 'content-type': String(req.headers['content-type'] ?? '') },
    body: req.rawBytes,
  })
    .formData()
    .catch(() => undefined);
  const images = form ? [...form.getAll('image'), ...form.getAll('image[]')] : [];
  const prompt = variation ? 'a variation' : form?.get('prompt');
  if (!form || images.length === 0 || typeof prompt !== 'string') {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Missing required parameter: '${images.length === 0 ? 'image' : 'prompt'}'.`,
    });
  }
  const model = String(form.get('model') ?? 'dall-e-2');
  const n = Number(form.get('n') ?? 1);
  const answer = await editAnswer(model, prompt, n, String(form.get('response_format') ?? 'url'));
  if (model.startsWith('gpt-image')) {
    const text = countSimTokens(prompt);
    const imageTokens = images.length * SIM_EDIT_IMAGE_TOKENS;
    const output = n * 1056;
    answer.usage = {
      input_tokens: text + imageTokens,
      input_tokens_details: { text_tokens: text, image_tokens: imageTokens },
      output_tokens: output,
      total_tokens: text + imageTokens + output,
    };
  }
  return writeJsonWithFault(res, answer);
}

async function editAnswer(
  model: string,
  prompt: string,
  n: number,
  format: string,
): Promise<Record<string, unknown>> {
  const base64 = model.startsWith('gpt-image') || format === 'b64_json';
  return {
    created: 1700000000,
    data: Array.from({ length: n }, (_, i) => ({
      ...(base64 ? { b64_json: PNG_1X1 } : { url: `https://images.example/sim/edit-${i}.png` }),
      revised_prompt: `Edited: ${prompt}`,
    })),
  };
}

export interface SpeechBody {
  model?: string;
  input?: string;
  voice?: unknown;
  response_format?: string;
}

/** The audio the simulator speaks for `input`: an ID3-tagged "MP3" of bytes derived from it. */
export function simulatedSpeech(input: string): Buffer {
  const body = Buffer.alloc(3 * 1024 + input.length * 40);
  for (let i = 0; i < body.length; i++) body[i] = (input.charCodeAt(i % input.length) + i) & 0xff;
  return Buffer.concat([Buffer.from('ID3\u0004\u0000', 'latin1'), body]);
}

/**
 * `/audio/speech` as OpenAI answers it: the audio file's bytes, sent in several chunks, with the
 * content type of the format asked for; `voice` and `input` are required.
 */
export function speech(res: ServerResponse, body: SpeechBody, fault?: Fault): void {
  if (!body.voice || !body.input) {
    const missing = body.input ? 'voice' : 'input';
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: `Missing required parameter: '${missing}'.`,
    });
  }
  const types: Record<string, string> = { mp3: 'audio/mpeg', wav: 'audio/wav', opus: 'audio/opus' };
  res.writeHead(200, { 'content-type': types[body.response_format ?? 'mp3'] ?? 'audio/mpeg' });
  const audio = simulatedSpeech(body.input);
  const third = Math.ceil(audio.length / 3);
  res.write(audio.subarray(0, third));
  // A connection lost in the middle of the audio.
  if (fault?.kind === 'reset') {
    setTimeout(() => res.socket?.destroy(), 5);
    return;
  }
  setTimeout(() => {
    res.write(audio.subarray(third, 2 * third));
    setTimeout(() => res.end(audio.subarray(2 * third)), 5);
  }, 5);
}

export interface ImagesBody {
  model?: string;
  prompt?: string;
  n?: number;
  size?: string;
  quality?: string;
  response_format?: string;
}

/** A tiny valid PNG (1 × 1), the simulator's every drawing. */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** gpt-image-1's output tokens per image at 1024 × 1024, by quality (OpenAI's table). */
const GPT_IMAGE_TOKENS: Record<string, number> = { low: 272, medium: 1056, high: 4160 };

/**
 * `/images/generations` as OpenAI answers it: dall-e-3 draws one image per call (`n` > 1 is a
 * 400) and revises the prompt; gpt-image-* answer in base64 with a usage block of tokens (1.5×
 * the tokens for the oblong sizes); the rest answer with URLs unless asked for base64. A prompt
 * that says "forbidden" is refused by the safety system.
 */
export async function images(res: ServerResponse, body: ImagesBody, fault?: Fault): Promise<void> {
  const model = body.model ?? 'dall-e-2';
  const n = body.n ?? 1;
  const prompt = body.prompt ?? '';
  if (model === 'dall-e-3' && n !== 1) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message: 'You must provide n=1 for this model.',
    });
  }
  if (/\bforbidden\b/i.test(prompt)) {
    return sendOpenAiError(res, {
      kind: 'status',
      status: 400,
      message:
        'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
      code: 'content_policy_violation',
    });
  }
  const tokenPriced = model.startsWith('gpt-image');
  const base64 = tokenPriced || body.response_format === 'b64_json';
  const data = Array.from({ length: n }, (_, i) => ({
    ...(base64 ? { b64_json: PNG_1X1 } : { url: `https://images.example/sim/${i}.png` }),
    ...(model === 'dall-e-3' && { revised_prompt: `A detailed picture of ${prompt}` }),
  }));
  const answer: Record<string, unknown> = { created: 1700000000, data };
  if (tokenPriced) {
    const perImage =
      (GPT_IMAGE_TOKENS[body.quality ?? 'high'] ?? 4160) *
      (body.size === undefined || body.size === '1024x1024' || body.size === 'auto' ? 1 : 1.5);
    const input = countSimTokens(prompt);
    const output = n * perImage;
    answer.usage = {
      input_tokens: input,
      input_tokens_details: { text_tokens: input, image_tokens: 0 },
      output_tokens: output,
      total_tokens: input + output,
    };
  }
  return writeJsonWithFault(res, answer, fault);
}

export function sendOpenAiError(
  res: ServerResponse,
  fault: Extract<Fault, { kind: 'status' }>,
): void {
  const typeByStatus: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'invalid_request_error',
    403: 'invalid_request_error',
    404: 'invalid_request_error',
    429: 'requests',
    500: 'server_error',
    503: 'server_error',
  };
  const message =
    fault.message ??
    (fault.status === 429
      ? 'Rate limit reached for gpt-4o-mini in organization org-sim on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.'
      : fault.status >= 500
        ? 'The server had an error while processing your request. Sorry about that!'
        : 'Invalid request');
  res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
  res.end(
    JSON.stringify({
      error: {
        message,
        type: typeByStatus[fault.status] ?? 'invalid_request_error',
        param: null,
        code: fault.code ?? null,
      },
    }),
  );
}
