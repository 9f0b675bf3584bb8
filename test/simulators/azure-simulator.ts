/**
 * Simulates Azure OpenAI: `/openai/deployments/{deployment}/chat/completions|completions|
 * embeddings?api-version=...` with the `api-key` header, Azure's error bodies, the
 * `prompt_filter_results`/`content_filter_results` annotations, the filter-only first stream chunk
 * and a delta-less content-filter chunk. A user message containing "trigger content filter" is
 * refused like Azure's content filter; one containing "use a tool" calls the first tool offered.
 */
import type { ServerResponse } from 'node:http';
import {
  countSimTokens,
  imageEdit,
  images,
  responses,
  speech,
  transcription,
  simulatedAnswer,
  storedResponse,
  type ResponsesBody,
  type StoredResponses,
} from './openai-simulator.js';
import {
  startSimulator,
  writeJsonWithFault,
  writeStream,
  type Fault,
  type Simulator,
} from './simulator-server.js';

export interface AzureSimulatorOptions {
  /** Required `api-key` header value; any key is accepted when unset. */
  apiKey?: string;
  /** Deployments this resource has; any name is accepted when unset. */
  deployments?: string[];
  /** Entra ID bearer tokens this resource accepts in place of the `api-key`. */
  acceptsToken?: (token: string) => boolean;
}

interface AzureBody {
  messages?: { role: string; content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: { function?: { name?: string } }[];
  prompt?: unknown;
  input?: unknown;
  encoding_format?: string;
}

export const AZURE_SIM_CHAT_MODEL = 'gpt-4o-2024-08-06';
const PATH =
  /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings|images\/generations|images\/edits|audio\/speech|audio\/transcriptions|audio\/translations)$/;
const SAFE = { filtered: false, severity: 'safe' };
const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];

export async function startAzureSimulator(options: AzureSimulatorOptions = {}): Promise<Simulator> {
  /** Stored responses of the resource's Responses API, by id. */
  const stored: StoredResponses = new Map();
  return startSimulator(({ req, res, fault }) => {
    if (fault?.kind === 'status') return sendAzureError(res, fault);
    const match = PATH.exec(req.path);
    const responsesApi = req.path === '/openai/responses';
    const storedId = /^\/openai\/responses\/([^/]+)(\/cancel|\/input_items)?$/.exec(req.path);
    if (!match && !responsesApi && !storedId) {
      return azureError(res, 404, { code: '404', message: 'Resource not found' });
    }
    if (!req.query.get('api-version')) {
      return azureError(res, 400, {
        code: 'MissingApiVersionParameter',
        message: 'The api-version query parameter (?api-version=) is required for all requests.',
      });
    }
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const tokenOk = bearer !== undefined && options.acceptsToken?.(bearer) === true;
    if (options.apiKey && !tokenOk && req.headers['api-key'] !== options.apiKey) {
      return azureError(res, 401, {
        code: '401',
        message:
          'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      });
    }
    // The Responses API is per resource: the deployment is the body's `model`.
    const deployment = responsesApi
      ? String((req.body as { model?: unknown } | undefined)?.model ?? '')
      : decodeURIComponent(match?.[1] ?? '');
    if (options.deployments && !options.deployments.includes(deployment)) {
      return azureError(res, 404, {
        code: 'DeploymentNotFound',
        message:
          'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
      });
    }
    if (storedId) return storedResponse(res, req.method, storedId, stored);
    if (responsesApi) {
      const version = req.query.get('api-version') ?? '';
      if (/^\d{4}-\d{2}-\d{2}/.test(version) && version < '2025-03-01-preview') {
        return azureError(res, 404, { code: '404', message: 'Resource not found' });
      }
      return responses(res, (req.body ?? {}) as ResponsesBody, stored, fault);
    }
    if (!match) return;
    const body = (req.body ?? {}) as AzureBody;
    if (match[2] === 'embeddings') return embeddings(res, body, fault);
    // An Azure image deployment answers as OpenAI's model of that name (dall-e-3 here).
    if (match[2] === 'audio/speech') return speech(res, body as object);
    if (match[2] === 'images/edits') return imageEdit(res, req);
    if (match[2] === 'audio/transcriptions') return transcription(res, req);
    if (match[2] === 'audio/translations') return transcription(res, req, 'translate');
    if (match[2] === 'images/generations') {
      return images(res, { model: 'dall-e-3', ...(body as object) }, fault);
    }
    const said = match[2] === 'completions' ? String(body.prompt) : lastUser(body.messages);
    if (said.includes('trigger content filter')) return contentFilterError(res);
    return match[2] === 'completions'
      ? completion(res, body, said, fault)
      : chat(res, body, said, fault);
  });
}

function lastUser(messages: AzureBody['messages']): string {
  const last = [...(messages ?? [])].reverse().find((m) => m.role === 'user');
  if (typeof last?.content === 'string') return last.content;
  if (Array.isArray(last?.content)) {
    return last.content
      .map((p: { text?: unknown }) => (typeof p.text === 'string' ? p.text : ''))
      .join(' ');
  }
  return '';
}

function usageFor(prompt: string, answer: string) {
  const prompt_tokens = countSimTokens(prompt);
  const completion_tokens = countSimTokens(answer);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function chat(res: ServerResponse, body: AzureBody, said: string, fault?: Fault) {
  const answer = simulatedAnswer(said);
  const usage = usageFor(said, answer);
  const tool = said.includes('use a tool') ? body.tools?.[0]?.function?.name : undefined;
  const base = {
    id: 'chatcmpl-azsim1',
    created: 1700000000,
    model: AZURE_SIM_CHAT_MODEL,
    system_fingerprint: 'fp_az',
  };
  const toolCall = {
    id: 'call_az1',
    type: 'function',
    function: { name: tool ?? '', arguments: '{"city":"Paris"}' },
  };
  if (body.stream) {
    const parts: string[] = [];
    const push = (obj: unknown) => parts.push(`data: ${JSON.stringify(obj)}\n\n`);
    const choice = (delta: unknown, finish: string | null) => ({
      ...base,
      object: 'chat.completion.chunk',
      choices: [
        { index: 0, delta, finish_reason: finish, logprobs: null, content_filter_results: {} },
      ],
    });
    // Azure's first chunk: no id, no model, empty choices, only the prompt's filter verdict.
    push({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: PROMPT_FILTER,
    });
    if (tool) {
      push(
        choice({ role: 'assistant', content: null, tool_calls: [{ index: 0, ...toolCall }] }, null),
      );
    } else {
      push(choice({ role: 'assistant', content: '' }, null));
      for (const word of answer.match(/\S+\s*/g) ?? []) push(choice({ content: word }, null));
    }
    // Asynchronous content filtering annotates without a delta.
    push({
      ...base,
      object: 'chat.completion.chunk',
      choices: [
        {
          index: 0,
          finish_reason: null,
          content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: answer.length },
          content_filter_results: FILTER_RESULTS,
        },
      ],
    });
    push(choice({}, tool ? 'tool_calls' : 'stop'));
    if (body.stream_options?.include_usage) {
      push({ ...base, object: 'chat.completion.chunk', choices: [], usage });
    }
    parts.push('data: [DONE]\n\n');
    return writeStream(res, 'text/event-stream', parts, fault);
  }
  const message = tool
    ? { role: 'assistant', content: null, tool_calls: [toolCall], refusal: null }
    : { role: 'assistant', content: answer, refusal: null };
  return writeJsonWithFault(
    res,
    {
      ...base,
      object: 'chat.completion',
      prompt_filter_results: PROMPT_FILTER,
      choices: [
        {
          index: 0,
          message,
          logprobs: null,
          finish_reason: tool ? 'tool_calls' : 'stop',
          content_filter_results: FILTER_RESULTS,
        },
      ],
      usage,
    },
    fault,
  );
}

function completion(res: ServerResponse, body: AzureBody, prompt: string, fault?: Fault) {
  const answer = simulatedAnswer(prompt);
  const base = {
    id: 'cmpl-azsim1',
    object: 'text_completion',
    created: 1700000000,
    model: 'gpt-35-turbo-instruct',
  };
  if (body.stream) {
    const parts = [
      {
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: PROMPT_FILTER,
      },
      ...(answer.match(/\S+\s*/g) ?? []).map((word) => ({
        ...base,
        choices: [{ index: 0, text: word, finish_reason: null, logprobs: null }],
      })),
      { ...base, choices: [{ index: 0, text: '', finish_reason: 'stop', logprobs: null }] },
    ].map((obj) => `data: ${JSON.stringify(obj)}\n\n`);
    if (body.stream_options?.include_usage) {
      parts.push(
        `data: ${JSON.stringify({ ...base, choices: [], usage: usageFor(prompt, answer) })}\n\n`,
      );
    }
    parts.push('data: [DONE]\n\n');
    return writeStream(res, 'text/event-stream', parts, fault);
  }
  return writeJsonWithFault(
    res,
    {
      ...base,
      prompt_filter_results: PROMPT_FILTER,
      choices: [
        {
          index: 0,
          text: answer,
          finish_reason: 'stop',
          logprobs: null,
          content_filter_results: FILTER_RESULTS,
        },
      ],
      usage: usageFor(prompt, answer),
    },
    fault,
  );
}

function embeddings(res: ServerResponse, body: AzureBody, fault?: Fault) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((input, index) => {
    const vector = [0.5 * (index + 1), -0.25, String(input).length / 100];
    // Like the service: little-endian float32, base64-encoded, when the client asks for it.
    const floats = Float32Array.from(vector);
    const base64 = Buffer.from(floats.buffer).toString('base64');
    return {
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? base64 : vector,
    };
  });
  const tokens = inputs.reduce<number>((n, input) => n + countSimTokens(String(input)), 0);
  const usage = { prompt_tokens: tokens, total_tokens: tokens };
  return writeJsonWithFault(
    res,
    { object: 'list', data, model: 'text-embedding-3-small', usage },
    fault,
  );
}

function contentFilterError(res: ServerResponse) {
  azureError(res, 400, {
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
    type: null,
    param: 'prompt',
    code: 'content_filter',
    status: 400,
    innererror: {
      code: 'ResponsibleAIPolicyViolation',
      content_filter_result: {
        ...FILTER_RESULTS,
        violence: { filtered: true, severity: 'medium' },
      },
    },
  });
}

/** Azure's error bodies for injected status faults, the way the service words them. */
export function sendAzureError(
  res: ServerResponse,
  fault: Extract<Fault, { kind: 'status' }>,
): void {
  const defaults: Record<number, { code: string; message: string }> = {
    401: {
      code: '401',
      message: 'Access denied due to invalid subscription key or wrong API endpoint.',
    },
    404: {
      code: 'DeploymentNotFound',
      message: 'The API deployment for this resource does not exist.',
    },
    429: {
      code: '429',
      message:
        'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.',
    },
  };
  const known = defaults[fault.status] ?? {
    code: fault.status >= 500 ? 'InternalServerError' : 'BadRequest',
    message:
      fault.status >= 500
        ? 'The server had an error while processing your request. Sorry about that!'
        : 'Invalid request',
  };
  azureError(
    res,
    fault.status,
    { code: fault.code ?? known.code, message: fault.message ?? known.message },
    fault.headers,
  );
}

function azureError(
  res: ServerResponse,
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'apim-request-id': 'sim-req-1',
    ...headers,
  });
  res.end(JSON.stringify({ error }));
}
