/**
 * OpenAI's form endpoints (`/audio/transcriptions`, `/audio/translations`, `/images/edits`),
 * shared by the OpenAI family and Azure: the client's form is sent on as a multipart form (the
 * fields as they came, the deployment's model, the files), encoded by the platform's FormData.
 */
import type { Deployment } from '../../contracts/deployment.js';
import type {
  FormRequest,
  TranscriptionRequest,
  TranscriptionResponse,
} from '../../contracts/openai.js';
import type { CallContext, Operation } from '../types.js';

export interface FormTarget {
  url: (d: Deployment) => string;
  headers: (d: Deployment) => Record<string, string> | Promise<Record<string, string>>;
  /** The `model` field the provider expects (Azure: the deployment's name). */
  model?: (d: Deployment) => string;
}

export function createFormOperation<Req extends FormRequest, Res>(
  target: FormTarget,
  parseResponse: (body: string, ctx: CallContext) => Res,
): Operation<Req, Res, never> {
  return {
    buildRequest: async (request, ctx) => {
      const d = ctx.deployment;
      const form = new FormData();
      form.append('model', target.model?.(d) ?? d.model);
      for (const [name, value] of request.fields) if (name !== 'model') form.append(name, value);
      for (const [name, { bytes, contentType, filename }] of request.files) {
        form.append(name, new Blob([bytes], { type: contentType }), filename);
      }
      // Encoded (boundary and all) through a Request that is never sent.
      const encoded = new Request('http://form.invalid/', { method: 'POST', body: form });
      const headers = { ...(await target.headers(d)) };
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      return { url: target.url(d), headers, bytes: new Uint8Array(await encoded.arrayBuffer()) };
    },
    parseResponse,
  };
}

/** Transcriptions and translations: the answer kept as the provider wrote it, JSON or text. */
export function createTranscriptionOperation(
  target: FormTarget,
): Operation<TranscriptionRequest, TranscriptionResponse, never> {
  return createFormOperation(target, (body) => ({ body, json: jsonObjectOf(body) }));
}

/** The answer as a JSON object when it is one (json, verbose_json); text formats are not. */
function jsonObjectOf(body: string): TranscriptionResponse['json'] {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as TranscriptionResponse['json'])
      : undefined;
  } catch {
    return undefined;
  }
}
