/**
 * `POST /v1/audio/transcriptions` (and `/audio/transcriptions`, and Azure's
 * `/openai/deployments/{model}/audio/transcriptions`): OpenAI's speech to text
 * (`client.audio.transcriptions.create`); `/v1/audio/translations` the same into English
 * (`client.audio.translations.create`, whisper-1). The client's multipart form is read (the file within
 * the gateway's request size limit), sent on to an OpenAI-family or Azure deployment as a form,
 * and the provider's answer goes back as it came: JSON (`json`, `verbose_json`) or text (`text`,
 * `srt`, `vtt`).
 *
 * Priced by the seconds of audio (`input_cost_per_second`, as LiteLLM prices whisper-1, or the
 * price table's hourly price) and by the tokens token-priced models report (gpt-4o-transcribe,
 * audio tokens at the table's audio price). The seconds are the provider's (`usage.seconds`,
 * `duration`), else the file's own length. Before the call, the file's length (read from its
 * header, else bounded by its size) is reserved against every budget.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  TranscriptionFieldsSchema,
  type TranscriptionRequest,
  type TranscriptionResponse,
  type Usage,
} from '../contracts/openai.js';
import { GatewayError } from '../errors/gateway-error.js';
import { principalOf } from '../server/access-control.js';
import type { MediaUnits } from '../spend/types.js';
import { countTextTokens } from '../spend/token-count.js';
import { audioSecondsBound, readAudioSeconds } from './audio-duration.js';
import { requireOperation } from './optional-operations.js';
import { firstValues, readForm, registerFormRoutes } from './multipart-form.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, sendPricedJson } from './proxy-routes.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';

export interface TranscriptionsRouteDeps {
  service: ProxyService;
  /** The gateway's request size limit: the largest audio file accepted. */
  maxFileBytes: number;
}

/** The form of a transcription: one audio file in `file`. */
const AUDIO_FORM = { fileFields: ['file'], maxFiles: 1, what: 'the audio' } as const;

export function registerTranscriptionsRoute(
  app: FastifyInstance,
  deps: TranscriptionsRouteDeps,
): void {
  registerFormRoutes(app, deps.maxFileBytes, (scope) => {
    for (const kind of [TRANSCRIPTION, TRANSLATION]) {
      for (const path of [
        `/v1/audio/${kind.path}`,
        `/audio/${kind.path}`,
        `/openai/deployments/:model/audio/${kind.path}`,
      ]) {
        scope.post(path, (request, reply) => handleTranscription(request, reply, deps, kind));
      }
    }
  });
}

/** Transcriptions and translations: one form, one kind of answer, two endpoints. */
interface AudioToText {
  path: 'transcriptions' | 'translations';
  callType: 'atranscription' | 'atranslation';
  operation: OperationResolver;
}

const TRANSCRIPTION: AudioToText = {
  path: 'transcriptions',
  callType: 'atranscription',
  operation: requireOperation(
    'transcription',
    'transcription endpoint',
    'transcriptions go to OpenAI-compatible and Azure deployments (model: openai/whisper-1)',
  ),
};

const TRANSLATION: AudioToText = {
  path: 'translations',
  callType: 'atranslation',
  operation: requireOperation(
    'translation',
    'translation endpoint',
    'translations go to OpenAI and Azure whisper deployments (model: openai/whisper-1)',
  ),
};

async function handleTranscription(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: TranscriptionsRouteDeps,
  kind: AudioToText,
): Promise<unknown> {
  const principal = principalOf(request);
  const { fields, files } = await readForm(request, AUDIO_FORM, deps.maxFileBytes);
  const file = files[0]?.[1];
  if (file === undefined) {
    throw new GatewayError('bad_request', 'Invalid request body: file: an audio file is required', {
      param: 'file',
    });
  }
  const pathModel = (request.params as { model?: string } | undefined)?.model;
  const first = firstValues(fields);
  const checked = parseBody(
    TranscriptionFieldsSchema,
    pathModel ? { ...first, model: pathModel } : first,
  );
  const streamed = fields.some(
    ([name, value]) => name === 'stream' && !['false', '0', ''].includes(value.toLowerCase()),
  );
  if (streamed) {
    // A stream of transcript events would carry its usage where this route does not read it.
    throw new GatewayError(
      'bad_request',
      `stream=true is not supported for ${kind.path}: leave it out to get the whole transcript`,
      { param: 'stream' },
    );
  }
  const read = await readAudioSeconds(file);
  const result = await deps.service.answer<
    TranscriptionRequest & Record<string, unknown>,
    TranscriptionResponse
  >(
    kind.operation,
    {
      model: checked.model,
      response_format: checked.response_format,
      // Answers are read whole: a provider is never asked for a stream.
      fields: fields.filter(([name]) => name !== 'stream'),
      files,
    },
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      cancel: abortOnDisconnect(reply),
      callType: kind.callType,
      units: { audioSeconds: audioSecondsBound(file, read) },
    },
  );
  const answer = result.value;
  const { usage, units } = await meteredOf(answer, read);
  const json = answer.json !== undefined;
  return sendPricedJson(reply, deps.service, {
    meta: result.meta,
    value: { body: answer.body, usage, units },
    contentType: json ? 'application/json' : 'text/plain; charset=utf-8',
  });
}

/**
 * What the call is billed for: the provider's seconds of audio (whisper-1's `usage.seconds`,
 * `verbose_json`'s `duration`), else the file's own; the tokens token-priced models report.
 */
async function meteredOf(
  answer: TranscriptionResponse,
  fileSeconds: number | undefined,
): Promise<{ usage?: Usage; units: MediaUnits }> {
  const json = answer.json;
  const usage = json?.usage as
    | {
        type?: string;
        seconds?: unknown;
        input_tokens?: unknown;
        output_tokens?: unknown;
        total_tokens?: unknown;
        input_token_details?: { audio_tokens?: unknown; text_tokens?: unknown } | null;
      }
    | undefined;
  const seconds = positive(usage?.seconds) ?? positive(json?.duration) ?? fileSeconds;
  const units: MediaUnits = seconds === undefined ? {} : { audioSeconds: seconds };
  if (usage?.type === 'duration') return { units };
  if (usage?.type !== 'tokens') {
    // No usage (text, srt and vtt answers): the tokens a token-priced model would have reported,
    // its audio at OpenAI's ~1,000 tokens a minute and the transcript counted. Models priced by
    // the second have no token prices: for them this adds nothing.
    const audio = Math.ceil(((seconds ?? 0) * 1000) / 60);
    const transcript = await countTextTokens(
      typeof json?.text === 'string' ? json.text : answer.body,
    );
    return {
      usage: {
        prompt_tokens: audio,
        completion_tokens: transcript,
        total_tokens: audio + transcript,
        prompt_tokens_details: { audio_tokens: audio },
      },
      units,
    };
  }
  const prompt = positive(usage.input_tokens) ?? 0;
  const completion = positive(usage.output_tokens) ?? 0;
  return {
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: positive(usage.total_tokens) ?? prompt + completion,
      prompt_tokens_details: {
        audio_tokens: positive(usage.input_token_details?.audio_tokens) ?? 0,
      },
    },
    units,
  };
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
