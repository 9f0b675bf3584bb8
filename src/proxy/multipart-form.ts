/**
 * The multipart forms of the upload routes (transcriptions, image edits): read in a Fastify scope
 * of their own (everywhere else a body is JSON), each file within the gateway's request size
 * limit, every refusal in the gateway's error shape.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UploadedFile } from '../contracts/openai.js';
import { GatewayError } from '../errors/gateway-error.js';

/** A form as the client sent it: its fields in order (repeated ones too) and its files. */
export interface ReadForm {
  fields: [string, string][];
  files: [string, UploadedFile][];
}

export interface FormRules {
  /** The file parts a route takes (`file`; `image`, `image[]`, `mask`). */
  fileFields: readonly string[];
  /** How many files at most. */
  maxFiles: number;
  /** What the files are, for messages ("the audio", "the images"). */
  what: string;
}

/** Form fields beyond the files: OpenAI's handful, with room for repeated ones. */
const MAX_FIELDS = 32;
/** Files in one form at most (an edit's 16 images and a mask). */
const MAX_FILES = 17;

/** Registers `routes` in a scope that reads multipart forms (files up to `maxFileBytes` each). */
export function registerFormRoutes(
  app: FastifyInstance,
  maxFileBytes: number,
  routes: (scope: FastifyInstance) => void,
): void {
  app.register(async (scope) => {
    await scope.register(fastifyMultipart, {
      limits: {
        fileSize: maxFileBytes,
        files: MAX_FILES,
        fields: MAX_FIELDS,
        fieldSize: 1024 * 1024,
      },
      throwFileSizeLimit: true,
    });
    routes(scope);
  });
}

/** Reads the request's form by `rules`; a form the route cannot send on is a 400 (413 if too big). */
export async function readForm(
  request: FastifyRequest,
  rules: FormRules,
  maxFileBytes: number,
): Promise<ReadForm> {
  if (!request.isMultipart()) {
    throw new GatewayError(
      'bad_request',
      `Send ${rules.what} as multipart/form-data with a "${rules.fileFields[0]}" part and a "model" field`,
    );
  }
  const form: ReadForm = { fields: [], files: [] };
  const seen = new Set<string>();
  let bytesRead = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        // What is checked is what is sent: a field given twice keeps its first value, but for
        // list fields (`timestamp_granularities[]`).
        if (seen.has(part.fieldname) && !part.fieldname.endsWith('[]')) continue;
        seen.add(part.fieldname);
        form.fields.push([part.fieldname, String(part.value)]);
        continue;
      }
      if (!rules.fileFields.includes(part.fieldname)) {
        await part.toBuffer();
        throw new GatewayError(
          'bad_request',
          `Unexpected file part "${part.fieldname}": send files in ${rules.fileFields.map((f) => `"${f}"`).join(' or ')}`,
        );
      }
      if (form.files.length === rules.maxFiles) {
        throw new GatewayError('bad_request', `Send at most ${rules.maxFiles} files`);
      }
      const bytes = await part.toBuffer();
      // The files of one form together stay within the request size limit.
      bytesRead += bytes.length;
      if (bytesRead > maxFileBytes) throw tooLarge(maxFileBytes);
      if (bytes.length === 0) continue;
      form.files.push([
        part.fieldname,
        { bytes, filename: part.filename || 'upload', contentType: part.mimetype },
      ]);
    }
  } catch (error: unknown) {
    if (error instanceof GatewayError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxFileBytes);
    if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new GatewayError(
        'bad_request',
        `Send at most ${rules.maxFiles} files and ${MAX_FIELDS} other fields`,
      );
    }
    throw new GatewayError(
      'bad_request',
      `The multipart form could not be read: ${String((error as Error).message ?? error)}`,
    );
  }
  return form;
}

function tooLarge(maxFileBytes: number): GatewayError {
  return new GatewayError(
    'payload_too_large',
    `The files are larger than this gateway accepts (${Math.floor(maxFileBytes / 1024 / 1024)} MB in all, general_settings.max_request_size_mb)`,
  );
}

/** The form's fields as an object, each name with its first value: what the route checks. */
export function firstValues(
  fields: readonly (readonly [string, string])[],
): Record<string, string> {
  return Object.fromEntries([...fields].reverse());
}
