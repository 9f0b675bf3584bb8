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
