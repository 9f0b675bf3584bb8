/**
 * `POST /v1/audio/speech` (and `/audio/speech`, and Azure's
 * `/openai/deployments/{model}/audio/speech`): OpenAI's text to speech
 * (`client.audio.speech.create`), passed to an OpenAI or Azure deployment. The audio goes to the
 * client as it arrives, in the format asked for (mp3 by default).
 *
 * Priced by the characters of the input (`input_cost_per_character`, tts-1's price), plus the
 * input's tokens at the deployment's input price (gpt-4o-mini-tts' text tokens). The call is booked
 * once the provider starts answering: it bills the input then, however the audio ends.
 */
import type { FastifyInstance } from 'fastify';
import { SpeechRequestSchema, type SpeechRequest } from '../contracts/openai.js';
import { ProviderError } from '../providers/types.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { estimateUsage } from '../spend/estimate-usage.js';
import { characterCount, SPEECH_AUDIO_TOKENS_PER_CHARACTER } from '../spend/meter.js';
import { requireOperation } from './optional-operations.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, responseHeaders } from './proxy-routes.js';
import type { ProxyService } from './proxy-service.js';

export interface SpeechRouteDeps {
  service: ProxyService;
  /** Serves the exact paths in front of Fastify when given. */
  lane?: FastLane;
}

/** The content type of each `response_format`, as OpenAI sends them. */
const AUDIO_TYPES: Readonly<Record<string, string>> = {
  mp3: 'audio/mpeg',
  opus: 'audio/opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

export function registerSpeechRoute(app: FastifyInstance, deps: SpeechRouteDeps): void {
  for (const path of [
    '/v1/audio/speech',
    '/audio/speech',
    '/openai/deployments/:model/audio/speech',
  ]) {
    app.post(path, (request, reply) => handleSpeech(request, reply, deps));
    if (!path.includes(':')) {
      deps.lane?.post(path, (request, reply) => handleSpeech(request, reply, deps));
    }
  }
}

const speechOf = requireOperation(
  'speech',
  'speech endpoint',
  'speech goes to OpenAI and Azure deployments (model: openai/tts-1)',
);

async function handleSpeech(
  request: RouteRequest,
  reply: RouteReply,
  deps: SpeechRouteDeps,
): Promise<unknown> {
  const { service } = deps;
  const principal = principalOf(request);
  const pathModel = (request.params as { model?: string } | undefined)?.model;
  const raw = request.body;
  const body = parseBody(
    SpeechRequestSchema,
    pathModel && raw && typeof raw === 'object' ? { ...raw, model: pathModel } : raw,
  );
  const result = await service.call<SpeechRequest, never, Uint8Array>(speechOf, body, principal, {
    requestId: request.callId,
    attribution: request.attribution,
    receivedAt: request.receivedAt,
    cancel: abortOnDisconnect(reply),
    callType: 'aspeech',
    stream: true,
  });
  if (result.kind !== 'stream') {
    throw new ProviderError('bad_response', 'a speech call answered without audio');
  }
  const { meta, opened } = result;
  // The text's tokens, and the audio tokens a token-priced model answers (never reported for an
  // audio answer): estimated from the characters read.
  const characters = characterCount(body.input);
  const text = await estimateUsage({ prompt: body.input }, '');
  const spoken = Math.ceil(characters * SPEECH_AUDIO_TOKENS_PER_CHARACTER);
  const usage = {
    prompt_tokens: text.prompt_tokens,
    completion_tokens: spoken,
    total_tokens: text.prompt_tokens + spoken,
  };
  const cost = service.recordUsage(meta, usage, { characters });
  const headers = responseHeaders(meta);
  headers['content-type'] =
    AUDIO_TYPES[body.response_format ?? 'mp3'] ?? 'application/octet-stream';
  headers['x-litellm-response-cost'] = String(cost);
  headers['x-request-id'] = String(reply.request.id);
  headers['x-litellm-call-id'] = reply.request.callId;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, headers);
  try {
    for (const event of opened.first) res.write(event.chunk);
    for await (const events of opened.rest) {
      if (res.destroyed) break;
      for (const event of events) {
        if (!res.write(event.chunk)) await drained(res);
      }
    }
    res.end();
  } catch (error: unknown) {
    // The audio was cut short upstream: the client sees a truncated body, never a whole file.
    const failure = error instanceof Error ? error.message : String(error);
    reply.log.warn({ reqId: reply.request.id, err: failure }, 'speech ended with an error');
    // A client that left aborted the upstream call itself: not the deployment's failure.
    if (error instanceof ProviderError && !res.destroyed) {
      service.recordFailure(meta.deployment, error);
    }
    cutShort(res);
  }
  return reply;
}

/**
 * Ends a response whose body was cut short upstream so that the client sees it truncated: the
 * headers and the audio already written are flushed, then the connection closes without the
 * body's end (the last chunk of a chunked body). Destroying it at once could discard what was
 * still queued on the socket, headers included, and the client would see no answer at all.
 */
function cutShort(res: RouteReply['raw']): void {
  const socket = res.socket;
  if (!socket || socket.destroyed) {
    res.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
  // A client that does not read what is queued gets the connection closed anyway.
  setTimeout(() => socket.destroy(), 10_000).unref();
}

function drained(res: RouteReply['raw']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
