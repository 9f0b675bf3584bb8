/**
 * Simulates the Gemini API (Google AI Studio): `/v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent` (SSE with `alt=sse`, a streamed JSON array without), and
 * `:batchEmbedContents`, with Google's exact JSON and error bodies. The key is read from
 * `x-goog-api-key` or `?key=`. A user turn containing "use a tool" calls the first function
 * offered; "trigger a block" gets the prompt blocked.
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

export interface GeminiSimulatorOptions {
  /** Required API key; any key is accepted when unset. */
  apiKey?: string;
  /** Models this upstream serves; any model when unset. */
  models?: string[];
}

export interface GeminiBody {
  contents?: { role?: string; parts?: { text?: string }[] }[];
  systemInstruction?: { parts?: { text?: string }[] };
  tools?: { functionDeclarations?: { name?: string }[] }[];
  generationConfig?: { maxOutputTokens?: number; candidateCount?: number };
  requests?: { model?: string; content?: { parts?: { text?: string }[] } }[];
}

const ROUTE = /^\/v1beta\/models\/([^:/]+):(\w+)$/;

export async function startGeminiSimulator(
  options: GeminiSimulatorOptions = {},
): Promise<Simulator> {
  return startSimulator(async ({ req, res, fault }) => {
    if (fault?.kind === 'status') return sendGoogleError(res, fault.status, fault.message, fault);
    const key = req.headers['x-goog-api-key'] ?? req.query.get('key') ?? undefined;
    if (options.apiKey && key === undefined) {
      return sendGoogleError(
        res,
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (options.apiKey && key !== options.apiKey) {
      return sendGoogleError(res, 400, 'API key not valid. Please pass a valid API key.', {
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ],
      });
    }
    const route = ROUTE.exec(decodeURIComponent(req.path));
    const [, model = '', method = ''] = route ?? [];
    if (!route || req.method !== 'POST') {
      return sendGoogleError(res, 404, `Unknown path ${req.path}`);
    }
    if (options.models && !options.models.includes(model)) {
      return sendGoogleError(
        res,
        404,
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    const body = (req.body ?? {}) as GeminiBody;
    if (method === 'generateContent') {
      return writeJsonWithFault(res, generate(body, model, false).final, fault);
    }
    if (method === 'streamGenerateContent') {
      return stream(res, generate(body, model, true).events, req.query.get('alt') === 'sse', fault);
    }
    if (method === 'batchEmbedContents') return writeJsonWithFault(res, embed(body), fault);
    return sendGoogleError(res, 404, `Method ${method} is not supported by the simulator`);
  });
}

type Json = Record<string, unknown>;

function lastUserText(body: GeminiBody): string {
  const user = [...(body.contents ?? [])].reverse().find((c) => c.role === 'user');
  return (user?.parts ?? []).map((p) => p.text ?? '').join(' ');
}

/** The answer as one response and as the stream of responses Google would send. */
export function generate(
  body: GeminiBody,
  model: string,
  streamed: boolean,
): { final: Json; events: Json[] } {
  const said = lastUserText(body);
  const promptParts = [body.systemInstruction ?? {}, ...(body.contents ?? [])].flatMap(
    (c) => c.parts ?? [],
  );
  const promptTokens = countSimTokens(promptParts.map((p) => p.text ?? '').join(' '));
  const base = { modelVersion: model, responseId: 'sim-response-1' };
  if (said.includes('trigger a block')) {
    const blocked = {
      promptFeedback: { blockReason: 'SAFETY', safetyRatings: [] },
      usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens },
      ...base,
    };
    return { final: blocked, events: [blocked] };
  }
  const tool = said.includes('use a tool')
    ? body.tools?.[0]?.functionDeclarations?.[0]?.name
    : undefined;
  let words: string[] = simulatedAnswer(said).match(/\S+\s*/g) ?? [];
  const limit = body.generationConfig?.maxOutputTokens;
  const cut = limit !== undefined && limit < words.length;
  if (cut) words = words.slice(0, limit);
  const output = tool ? 5 : words.length;
  const usage = (candidates: number | undefined) => ({
    promptTokenCount: promptTokens,
    ...(candidates === undefined ? {} : { candidatesTokenCount: candidates }),
    totalTokenCount: promptTokens + (candidates ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  });
  const finishReason = cut ? 'MAX_TOKENS' : 'STOP';
  const candidate = (parts: Json[], finish?: string) => ({
    content: { parts, role: 'model' },
    ...(finish ? { finishReason: finish } : {}),
    ...(streamed ? {} : { avgLogprobs: -0.0421 }),
  });
  if (tool) {
    const call = { functionCall: { name: tool, args: { city: 'Paris' } } };
    const final = {
      candidates: [candidate([call], 'STOP')],
      usageMetadata: usage(output),
      ...base,
    };
    return { final, events: [final] };
  }
  const count = Math.max(1, body.generationConfig?.candidateCount ?? 1);
  const final = {
    candidates: Array.from({ length: count }, (_, index) => ({
      ...candidate([{ text: words.join('') }], finishReason),
      ...(count > 1 ? { index } : {}),
    })),
    usageMetadata: usage(output * count),
    ...base,
  };
  const events = words.map((word, i) => {
    const last = i === words.length - 1;
    return {
      candidates: [candidate([{ text: word }], last ? finishReason : undefined)],
      usageMetadata: usage(last ? output : undefined),
      ...base,
    };
  });
  return { final, events };
}

export async function stream(res: ServerResponse, events: Json[], sse: boolean, fault?: Fault) {
  if (fault?.kind === 'garbage') {
    return writeStream(res, 'text/event-stream', ['data: <html>this is not json</html>\r\n\r\n']);
  }
  if (sse) {
    const parts = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`);
    return writeStream(res, 'text/event-stream', parts, fault);
  }
  // Without alt=sse Google streams one JSON array, an element at a time.
  const parts = events.map((e, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(e)}`);
  parts.push(']');
  return writeStream(res, 'application/json; charset=UTF-8', parts, fault);
}

function embed(body: GeminiBody): Json {
  return {
    embeddings: (body.requests ?? []).map((request, index) => {
      const text = (request.content?.parts ?? []).map((p) => p.text ?? '').join(' ');
      return { values: [0.1 * (index + 1), 0.2, -0.3, text.length / 100] };
    }),
  };
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  429: 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};

/** Google's error body; a 429 carries its quota and RetryInfo details like the real API. */
export function sendGoogleError(
  res: ServerResponse,
  status: number,
  message?: string,
  extra: { details?: Json[]; headers?: Record<string, string> } = {},
): void {
  const details =
    extra.details ??
    (status === 429
      ? [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric:
                  'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
                quotaValue: '15',
              },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '20s' },
        ]
      : undefined);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...extra.headers });
  res.end(
    JSON.stringify({
      error: {
        code: status,
        message: message ?? DEFAULT_MESSAGES[status] ?? `HTTP ${status}`,
        status: STATUS_NAMES[status] ?? 'UNKNOWN',
        ...(details ? { details } : {}),
      },
    }),
  );
}
