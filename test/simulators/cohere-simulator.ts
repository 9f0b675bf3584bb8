/**
 * Simulates Cohere's rerank API (`POST /v2/rerank`): bearer-key check, `{"id", "message"}` error
 * bodies, results ordered by a relevance that counts the query's words in each document (so the
 * order is predictable), `top_n`, and one search unit per 100 documents in `meta.billed_units`.
 * The same scoring answers vLLM's `/rerank` in the OpenAI simulator (`rerankResults`).
 */
import type { ServerResponse } from 'node:http';
import { startSimulator, writeJsonWithFault, type Simulator } from './simulator-server.js';

export interface CohereSimulatorOptions {
  apiKey?: string;
}

interface RerankBody {
  model?: string;
  query?: string;
  documents?: unknown[];
  top_n?: number;
  return_documents?: boolean;
}

/** The documents by relevance to `query`: the share of the query's words each one contains. */
export function rerankResults(body: RerankBody): { index: number; relevance_score: number }[] {
  const words = new Set((body.query ?? '').toLowerCase().match(/\w+/g) ?? []);
  const scored = (body.documents ?? []).map((doc, index) => {
    const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
    const found = new Set(text.toLowerCase().match(/\w+/g) ?? []);
    const shared = [...words].filter((w) => found.has(w)).length;
    return { index, relevance_score: Number((shared / Math.max(1, words.size)).toFixed(4)) };
  });
  scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  return scored.slice(0, body.top_n ?? scored.length);
}

export async function startCohereSimulator(
  options: CohereSimulatorOptions = {},
): Promise<Simulator> {
  return startSimulator(({ req, res, fault }) => {
    if (fault?.kind === 'status') return cohereError(res, fault.status, fault.message ?? 'error');
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return cohereError(res, 401, 'invalid api token');
    }
    if (req.method !== 'POST' || req.path !== '/v2/rerank')
      return cohereError(res, 404, 'Not Found');
    const body = (req.body ?? {}) as RerankBody;
    if (!body.model || !body.query || !Array.isArray(body.documents)) {
      return cohereError(res, 400, 'invalid request: model, query and documents are required');
    }
    return writeJsonWithFault(
      res,
      {
        id: 'rerank-sim-1',
        results: rerankResults(body),
        meta: {
          api_version: { version: '2' },
          billed_units: { search_units: Math.ceil(body.documents.length / 100) },
        },
      },
      fault,
    );
  });
}

function cohereError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'err-sim', message }));
}

/**
 * Simulates Voyage AI: `/v1/embeddings` in OpenAI's shape but with `usage.total_tokens` only, and
 * `/v1/rerank` with its own names (`top_k` in, `data` out).
 */
export async function startVoyageSimulator(
  options: CohereSimulatorOptions = {},
): Promise<Simulator> {
  return startSimulator(({ req, res, fault }) => {
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return cohereError(res, 401, 'Provided API key is invalid.');
    }
    const body = (req.body ?? {}) as RerankBody & { input?: string | string[]; top_k?: number };
    if (req.method === 'POST' && req.path === '/v1/embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
      const tokens = inputs.reduce((n, text) => n + String(text).split(/\s+/).length, 0);
      return writeJsonWithFault(
        res,
        {
          object: 'list',
          data: inputs.map((text, index) => ({
            object: 'embedding',
            embedding: [String(text).length / 10, 0.5, -0.5],
            index,
          })),
          model: body.model,
          usage: { total_tokens: tokens },
        },
        fault,
      );
    }
    if (req.method === 'POST' && req.path === '/v1/rerank') {
      if ('top_n' in body) return cohereError(res, 400, 'Unknown field: top_n');
      const documents = body.documents ?? [];
      const tokens = String(body.query).split(/\s+/).length + documents.length * 8;
      return writeJsonWithFault(
        res,
        {
          object: 'list',
          data: rerankResults({ ...body, top_n: body.top_k }),
          model: body.model,
          usage: { total_tokens: tokens },
        },
        fault,
      );
    }
    return cohereError(res, 404, 'Not Found');
  });
}
