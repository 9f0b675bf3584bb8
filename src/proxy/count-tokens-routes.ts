/**
 * Token counts before a call, as LiteLLM serves them: `POST /v1/messages/count_tokens`
 * (Anthropic's format; Claude Code asks it to size its context) and `POST
 * /v1/responses/input_tokens` (OpenAI's). A model whose deployments are all Anthropic is asked
 * for its own count (exact); any other model, or an Anthropic one whose count fails, is counted
 * by the gateway's tokenizer (an estimate for models that are not OpenAI's). Counting costs
 * nothing: no budget is checked or charged; the key must still be allowed the model.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AnthropicCountTokensRequestSchema,
  type AnthropicCountTokensRequest,
} from '../contracts/anthropic.js';
import type { ChatRequest } from '../contracts/openai.js';
import { ResponsesRequestSchema } from '../contracts/responses.js';
import {
  anthropicHeaders,
  anthropicMessagesUrl,
} from '../providers/anthropic/anthropic-request.js';
import { parseUpstreamJson } from '../providers/shared/classify-status.js';
import { ProviderError, type Operation } from '../providers/types.js';
import { principalOf } from '../server/access-control.js';
import { countChatPromptTokens } from '../spend/token-count.js';
import { anthropicToOpenAiRequest } from './messages/anthropic-to-openai-request.js';
import { ANTHROPIC_ERRORS } from './messages-route.js';
import { parseBody } from './parse-body.js';
import { abortOnDisconnect } from './proxy-routes.js';
import type { OperationResolver, ProxyService } from './proxy-service.js';
import { responsesToChatRequest } from './responses/responses-to-chat.js';

export interface CountTokensRouteDeps {
  service: ProxyService;
}

/** The fields Anthropic's count_tokens takes; it refuses any other (max_tokens included). */
const ANTHROPIC_COUNT_FIELDS = ['messages', 'system', 'tools', 'tool_choice', 'thinking'] as const;

export function registerCountTokensRoutes(app: FastifyInstance, deps: CountTokensRouteDeps): void {
  for (const path of ['/v1/messages/count_tokens', '/anthropic/v1/messages/count_tokens']) {
    app.post(path, { config: ANTHROPIC_ERRORS }, (request, reply) =>
      countMessagesTokens(request, reply, deps),
    );
  }
  for (const path of ['/v1/responses/input_tokens', '/responses/input_tokens']) {
    app.post(path, async (request) => {
      const raw = request.body as Record<string, unknown> | null | undefined;
      if (raw && typeof raw === 'object' && raw.input === undefined) {
        // OpenAI counts instructions and tools alone too.
        Object.assign(raw, { input: [] });
      }
      const body = parseBody(ResponsesRequestSchema, raw);
      deps.service.resolveModel(principalOf(request), body.model);
      const chat = responsesToChatRequestAllowingEmpty(body);
      return {
        object: 'response.input_tokens',
        input_tokens: await countChatPromptTokens(chat.messages, chat.tools),
      };
    });
  }
}

async function countMessagesTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: CountTokensRouteDeps,
): Promise<unknown> {
  const principal = principalOf(request);
  const body = parseBody(AnthropicCountTokensRequestSchema, request.body);
  const { deployments } = deps.service.resolveModel(principal, body.model);
  if (deployments.length > 0 && deployments.every((d) => d.provider === 'anthropic')) {
    const counted = await countUpstream(request, reply, deps, body).catch((error: unknown) => {
      reply.log.warn(
        { reqId: request.id, err: error instanceof Error ? error.message : String(error) },
        'count_tokens: the provider did not count; counting with the gateway tokenizer',
      );
      return undefined;
    });
    if (counted !== undefined) return { input_tokens: counted };
  }
  return { input_tokens: await countLocally(body) };
}

/** Anthropic's own count, routed like a call (retries, fallbacks, cooldowns) but not metered. */
async function countUpstream(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: CountTokensRouteDeps,
  body: AnthropicCountTokensRequest,
): Promise<number> {
  const operation: Operation<AnthropicCountTokensRequest, number, never> = {
    buildRequest: (req, ctx) => {
      const upstream: Record<string, unknown> = { model: ctx.deployment.model };
      for (const field of ANTHROPIC_COUNT_FIELDS) {
        if (req[field] !== undefined) upstream[field] = req[field];
      }
      const version = request.headers['anthropic-version'];
      return {
        url: `${anthropicMessagesUrl(ctx.deployment)}/count_tokens`,
        headers: anthropicHeaders(
          ctx.deployment,
          typeof version === 'string' ? version : undefined,
        ),
        body: JSON.stringify(upstream),
      };
    },
    parseResponse: (text) => {
      const parsed = parseUpstreamJson(text, 'Anthropic') as { input_tokens?: unknown };
      if (typeof parsed.input_tokens !== 'number') {
        throw new ProviderError(
          'bad_response',
          'Anthropic count_tokens answered without input_tokens',
          {
            status: 502,
          },
        );
      }
      return parsed.input_tokens;
    },
  };
  const resolve: OperationResolver = () => operation as ReturnType<OperationResolver>;
  const result = await deps.service.answer<AnthropicCountTokensRequest, number>(
    resolve,
    { ...body, stream: false },
    principalOf(request),
    {
      requestId: request.callId,
      attribution: request.attribution,
      cancel: abortOnDisconnect(reply),
      metered: false,
    },
  );
  return result.value;
}

/** The gateway tokenizer's count of the request as a chat request (system, messages, tools). */
function countLocally(body: AnthropicCountTokensRequest): Promise<number> {
  const chat = anthropicToOpenAiRequest({ ...body, max_tokens: body.max_tokens ?? 1 });
  return countChatPromptTokens(chat.messages, chat.tools);
}

/** Like responsesToChatRequest, for a count of instructions or tools with no input. */
function responsesToChatRequestAllowingEmpty(
  body: Parameters<typeof responsesToChatRequest>[0],
): ChatRequest {
  const empty = Array.isArray(body.input) && body.input.length === 0;
  if (!empty || body.instructions) return responsesToChatRequest(body);
  return { ...responsesToChatRequest({ ...body, input: '' }), messages: [] };
}
