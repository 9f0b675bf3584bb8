/**
 * Simulates Amazon Bedrock Runtime: `/model/{id}/converse`, `/model/{id}/converse-stream` (real
 * binary event-stream frames) and `/model/{id}/invoke` for Titan and Cohere embeddings. Every
 * request must carry a valid SigV4 signature for the configured identity, checked by recomputing
 * it. Errors are AWS's `{"message"}` bodies with `x-amzn-errortype`. A user turn containing
 * "use a tool" calls the first tool offered.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { checkSigV4, type AwsIdentity } from './bedrock-sigv4-check.js';
import { validateConverse, type ConverseBody } from './bedrock-validation.js';
import { countSimTokens, simulatedAnswer } from './openai-simulator.js';
import {
  startSimulator,
  writeJsonWithFault,
  writeStream,
  type Fault,
  type Simulator,
} from './simulator-server.js';

export interface BedrockSimulatorOptions extends AwsIdentity {
  /** Model ids this upstream serves; any model when unset. */
  models?: string[];
}

export interface BedrockSimulator extends Simulator {
  /** The next converse-stream sends this exception frame (`throttlingException`, ...) mid-way. */
  failStreamWith(exceptionType: string, message: string): void;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;

export async function startBedrockSimulator(
  options: BedrockSimulatorOptions,
): Promise<BedrockSimulator> {
  const streamFailures: { type: string; message: string }[] = [];
  const simulator = await startSimulator(async ({ req, res, fault }) => {
    res.setHeader('x-amzn-requestid', randomUUID());
    const denied = await checkSigV4(req, options, 'bedrock');
    if (denied) return sendAwsError(res, { status: 403, ...denied, service: CORAL_SERVICE });
    if (fault?.kind === 'status') {
      return sendAwsError(res, { ...fault, type: fault.code });
    }
    const route = ROUTE.exec(req.path);
    if (!route || req.method !== 'POST') {
      return sendAwsError(res, {
        status: 404,
        type: 'UnknownOperationException',
        service: CORAL_SERVICE,
      });
    }
    const modelId = decodeURIComponent(route[1] ?? '');
    if (options.models && !options.models.includes(modelId)) {
      return sendAwsError(res, {
        status: 400,
        message: 'The provided model identifier is invalid.',
      });
    }
    if (route[2] === 'invoke') return invoke(res, modelId, req.body, fault);
    const body = (req.body ?? {}) as ConverseBody;
    const invalid = validateConverse(body);
    if (invalid) return sendAwsError(res, { status: 400, message: invalid });
    const answer = converse(body);
    if (route[2] === 'converse') return writeJsonWithFault(res, answer.response, fault);
    const frames = answer.events.map(([type, payload]) => eventFrame(type, payload));
    const failure = streamFailures.shift();
    if (failure) frames.splice(2, frames.length, exceptionFrame(failure.type, failure.message));
    const second = frames[1];
    if (fault?.kind === 'garbage' && second) frames.splice(1, 1, corrupt(second));
    return writeStream(res, 'application/vnd.amazon.eventstream', frames, fault);
  });
  return {
    ...simulator,
    failStreamWith: (type, message) => streamFailures.push({ type, message }),
    reset: () => {
      streamFailures.length = 0;
      simulator.reset();
    },
  };
}

type Json = Record<string, unknown>;

/** The answer as a Converse response and as the ConverseStream events that spell it. */
function converse(body: ConverseBody): { response: Json; events: [string, Json][] } {
  const userTurn = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const said = (userTurn?.content ?? []).map((b) => b.text ?? '').join(' ');
  const tool = said.includes('use a tool')
    ? body.toolConfig?.tools?.[0]?.toolSpec?.name
    : undefined;
  let words: string[] = simulatedAnswer(said).match(/\S+\s*/g) ?? [];
  const limit = body.inferenceConfig?.maxTokens;
  const cut = limit !== undefined && limit < words.length;
  if (cut) words = words.slice(0, limit);
  const promptText = (body.messages ?? [])
    .flatMap((m) => m.content ?? [])
    .map((b) => b.text ?? '')
    .join(' ');
  const inputTokens = countSimTokens(promptText);
  const outputTokens = tool ? 5 : words.length;
  const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const stopReason = tool ? 'tool_use' : cut ? 'max_tokens' : 'end_turn';
  const metrics = { latencyMs: 42 };
  const toolUseId = 'tooluse_sim1';
  const content = tool
    ? [{ toolUse: { toolUseId, name: tool, input: { city: 'Paris' } } }]
    : [{ text: words.join('') }];
  const events: [string, Json][] = [['messageStart', { role: 'assistant' }]];
  if (tool) {
    events.push([
      'contentBlockStart',
      { contentBlockIndex: 0, start: { toolUse: { toolUseId, name: tool } } },
    ]);
    for (const input of ['{"city":', '"Paris"}']) {
      events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input } } }]);
    }
  } else {
    for (const text of words) {
      events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text } }]);
    }
  }
  events.push(['contentBlockStop', { contentBlockIndex: 0 }]);
  events.push(['messageStop', { stopReason }]);
  events.push(['metadata', { usage, metrics }]);
  return {
    response: { metrics, output: { message: { content, role: 'assistant' } }, stopReason, usage },
    events,
  };
}

function invoke(res: ServerResponse, modelId: string, body: unknown, fault?: Fault) {
  const input = (body ?? {}) as { inputText?: unknown; texts?: unknown; input_type?: unknown };
  const vector = (text: string, i: number) => [0.1 * (i + 1), 0.2, -0.3, text.length / 100];
  if (modelId.startsWith('amazon.titan-embed') && typeof input.inputText === 'string') {
    const embedding = vector(input.inputText, 0);
    const tokens = countSimTokens(input.inputText);
    const v2 = modelId.includes('v2') ? { embeddingsByType: { float: embedding } } : {};
    return writeJsonWithFault(res, { embedding, inputTextTokenCount: tokens, ...v2 }, fault);
  }
  if (modelId.startsWith('cohere.embed') && Array.isArray(input.texts) && input.input_type) {
    const texts = input.texts.map(String);
    return writeJsonWithFault(
      res,
      {
        embeddings: texts.map(vector),
        id: randomUUID(),
        response_type: 'embeddings_floats',
        texts,
      },
      fault,
    );
  }
  return sendAwsError(res, { status: 400 });
}

function eventFrame(type: string, payload: Json): Uint8Array {
  // AWS pads every event with a random-length `p` so sizes leak nothing about the text.
  const body = { ...payload, p: 'abcdefghijklmnopqrstuvwxyz'.slice(0, 3 + (type.length % 20)) };
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(body)),
  });
}

function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/** A frame whose message CRC no longer matches, as a corrupted connection would deliver. */
function corrupt(frame: Uint8Array): Uint8Array {
  const copy = frame.slice();
  copy[copy.length - 6] = (copy[copy.length - 6] ?? 0) ^ 0xff;
  return copy;
}

const CORAL_SERVICE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';
const BEDROCK_SERVICE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

const DEFAULT_MESSAGES: Record<string, string> = {
  ValidationException: 'Malformed input request, please reformat your input and try again.',
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  ResourceNotFoundException:
    'Could not resolve the foundation model from the provided model identifier.',
  ModelTimeoutException: 'Model has timed out in processing the request. Try your request again.',
  ModelErrorException: 'The model encountered an error processing the request.',
  ThrottlingException: 'Too many requests, please wait before trying again.',
  InternalServerException: 'The server encountered an internal error while processing the request.',
  ServiceUnavailableException: 'Bedrock is unable to process your request.',
  UnknownOperationException: 'UnknownOperationException',
};

/** AWS's JSON error: the kind travels in `x-amzn-errortype`, the body holds only the message. */
export function sendAwsError(
  res: ServerResponse,
  error: {
    status: number;
    type?: string;
    message?: string;
    service?: string;
    headers?: Record<string, string>;
  },
): void {
  const { status, service = BEDROCK_SERVICE, headers = {} } = error;
  const type = error.type ?? TYPE_BY_STATUS[status] ?? 'InternalServerException';
  const message = error.message ?? DEFAULT_MESSAGES[type] ?? type;
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:${service}`,
    ...headers,
  });
  res.end(JSON.stringify({ message }));
}
