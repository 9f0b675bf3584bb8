/**
 * OpenAI's `/audio/transcriptions`, shared by the OpenAI family and Azure: the client's form is
 * sent on as a multipart form (the fields as they came, the deployment's model, the file), and
 * the answer is kept as the provider wrote it, JSON or text, for the route to send back.
 */
import type { Deployment } from '../../contracts/deployment.js';
import type { TranscriptionRequest, TranscriptionResponse } from '../../contracts/openai.js';
import type { Operation } from '../types.js';

export interface TranscriptionTarget {
  url: (d: Deployment) => string;
  headers: (d: Deployment) => Record<string, string> | Promise<Record<string, string>>;
  /** The `model` field the provider expects (Azure: the deployment's name). */
  model?: (d: Deployment) => string;
}

export function createTranscriptionOperation(
  target: TranscriptionTarget,
): Operation<TranscriptionRequest, TranscriptionResponse, never> {
  return {
    buildRequest: async (request, ctx) => {
      const d = ctx.deployment;
      const form = new FormData();
      form.append('model', target.model?.(d) ?? d.model);
      for (const [name, value] of request.fields) if (name !== 'model') form.append(name, value);
      const { bytes, contentType, filename } = request.file;
      form.append('file', new Blob([bytes], { type: contentType }), filename);
      // The platform's own form encoder (boundary and all), through a Request that is never sent.
      const encoded = new Request('http://form.invalid/', { method: 'POST', body: form });
      const headers = { ...(await target.headers(d)) };
      headers['content-type'] = encoded.headers.get('content-type') ?? 'multipart/form-data';
      return { url: target.url(d), headers, bytes: new Uint8Array(await encoded.arrayBuffer()) };
    },
    parseResponse: (body) => ({ body, json: jsonObjectOf(body) }),
  };
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
