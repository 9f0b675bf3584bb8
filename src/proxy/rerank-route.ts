/**
 * `POST /v1/rerank` (and `/rerank`, `/v2/rerank`): Cohere's rerank API, as LiteLLM serves it, to
 * Cohere, or to a server that speaks it (vLLM, Together, Jina); the documents ordered by their
 * relevance to the query, the provider's answer passed back unchanged. Priced by the search
 * (`input_cost_per_query`, a Cohere search unit: a query over up to 100 documents) or by the
 * tokens the server reports; booked as `arerank`.
 */
import type { FastifyInstance } from 'fastify';
import {
  RerankRequestSchema,
  type RerankRequest,
  type RerankResponse,
  type Usage,
} from '../contracts/openai.js';
import { rawJsonOf } from '../providers/shared/raw-json.js';
import { principalOf } from '../server/access-control.js';
import type { FastLane, RouteReply, RouteRequest } from '../server/fast-lane.js';
import { DOCUMENTS_PER_SEARCH } from '../spend/meter.js';
import { requireOperation } from './optional-operations.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect, sendPricedJson } from './proxy-routes.js';
import type { ProxyService } from './proxy-service.js';

export interface RerankRouteDeps {
  service: ProxyService;
  /** Serves the routes in front of Fastify when given. */
  lane?: FastLane;
}

const rerankOf = requireOperation(
  'rerank',
  'rerank endpoint',
  'reranks go to Cohere, Jina, Together and hosted vLLM deployments (model: cohere/rerank-v3.5)',
);

export function registerRerankRoute(app: FastifyInstance, deps: RerankRouteDeps): void {
  for (const path of ['/v1/rerank', '/rerank', '/v2/rerank']) {
    app.post(path, (request, reply) => handleRerank(request, reply, deps));
    deps.lane?.post(path, (request, reply) => handleRerank(request, reply, deps));
  }
}

async function handleRerank(
  request: RouteRequest,
  reply: RouteReply,
  deps: RerankRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const body = parseBody(RerankRequestSchema, request.body);
  const result = await deps.service.answer<RerankRequest, RerankResponse>(
    rerankOf,
    body,
    principal,
    {
      requestId: request.callId,
      attribution: request.attribution,
      receivedAt: request.receivedAt,
      cancel: abortOnDisconnect(reply),
      callType: 'arerank',
    },
  );
  const answer = result.value;
  const units = answer.meta?.billed_units?.search_units;
  return sendPricedJson(reply, deps.service, {
    meta: result.meta,
    value: {
      body: rawJsonOf(answer) ?? JSON.stringify(answer),
      usage: tokensOf(answer),
      // Cohere bills search units; servers that report none are counted as Cohere would.
      units: {
        queries:
          typeof units === 'number' && units >= 0
            ? units
            : Math.ceil(body.documents.length / DOCUMENTS_PER_SEARCH),
      },
    },
  });
}

/** The tokens a Cohere-compatible server reports (vLLM, Together, Jina), as prompt tokens. */
function tokensOf(answer: RerankResponse): Usage | undefined {
  const total = answer.usage?.total_tokens ?? answer.usage?.prompt_tokens;
  if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return undefined;
  return { prompt_tokens: total, completion_tokens: 0, total_tokens: total };
}
