/**
 * The request path after authentication: resolve the model, check access, route with retries and
 * fallbacks, and call the provider adapter, streaming or not. HTTP-framework-free; the routes
 * only parse and write.
 */
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { BudgetActivity } from '../observability/budget-gauges.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { Deployment } from '../contracts/deployment.js';
import type { Usage } from '../contracts/openai.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { routingTags, withMaxTokens, type Meter, type Tab } from '../spend/meter.js';
import type { Attribution } from '../contracts/attribution.js';
import type { CallType, MediaUnits } from '../spend/types.js';
import {
  ProviderError,
  type CallContext,
  type Operation,
  type ProviderAdapter,
  type StreamEvent,
  type UpstreamRequest,
} from '../providers/types.js';
import type { Cancellation } from './cancellation.js';
import { callOnce, openStream, type OpenedStream, type Timeouts } from './call-upstream.js';
import { refuseClientRouting } from './client-routing-fields.js';
import type { CacheLookup } from './response-cache.js';
import { keepRawJson } from '../providers/shared/raw-json.js';
import { createOpenAiStreamDecoder } from '../providers/openai/openai-stream.js';
import { chatViaCompletion } from './chat-via-completion.js';
import { completionViaChat } from './completion-via-chat.js';
import type { Router } from './router/router.js';
import { toGatewayError } from './to-gateway-error.js';
import { toProviderError, type UpstreamTransport } from './upstream-transport.js';
import { checkEnforcedParams } from './enforced-params.js';
import { requestFallbacks } from './request-fallbacks.js';
import { pythonList } from '../util/python-list.js';
import type { CallGuards, Guardrails } from '../guardrails/guardrails.js';

export type OpName = 'chat' | 'completion' | 'embedding';

const CALL_TYPES: Readonly<Record<OpName, CallType>> = {
  chat: 'acompletion',
  completion: 'atext_completion',
  embedding: 'aembedding',
};

/** Picks the operation for a deployment, for calls that are not one of the built-in OpNames. */
export type OperationResolver = (
  adapter: ProviderAdapter,
  deployment: Deployment,
) => Operation<unknown, unknown, unknown>;

export interface ProxyDeps {
  config: GatewayConfig;
  router: Router;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  transport: UpstreamTransport;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Admission, pricing and booking; without one, calls are neither limited nor booked. */
  meter?: Meter;
  /** Notes the keys and teams that call models, for the budget gauges of /metrics. */
  activity?: BudgetActivity;
  /** The configured guardrails (`guardrails` in the config), when there are any. */
  guardrails?: Guardrails;
}

export interface ProxyRequestBody {
  model: string;
  stream?: boolean | null;
  mock_response?: unknown;
  num_retries?: unknown;
  /** LiteLLM's client-side fallbacks (request-fallbacks.ts). */
  fallbacks?: unknown;
  /** LiteLLM's switch that makes the requested group fail, to try the fallbacks. */
  mock_testing_fallbacks?: unknown;
}

export interface CallMeta {
  deployment: Deployment;
  group: string;
  retries: number;
  fallbacks: number;
  startedAt: number;
  /** The call's reservation, settled and booked when the call ends. */
  tab?: Tab;
  /** Set when the answer came from the response cache: its key; the call costs nothing. */
  cacheKey?: string;
  /** The answer as JSON text, for `store_prompts_in_spend_logs` (made only if asked for). */
  response?: () => string | undefined;
  /** When the request arrived, and the time spent waiting on providers so far (ms). */
  receivedAt?: number;
  upstreamMs?: number;
  /** The guardrails the call runs; the routes run those that read answers. */
  guards?: CallGuards;
}

/** How a call is made, besides what is asked: its ids, cancellation and metering. */
export interface CallIo {
  requestId: string;
  cancel: Cancellation;
  callType?: CallType;
  /** False for calls that cost nothing (token counts): no admission, no booking. */
  metered?: boolean;
  /** Open the answer as a stream whatever the body says (binary answers: speech). */
  stream?: boolean;
  /** What the call is known to hold before it starts (a transcription's audio seconds). */
  units?: MediaUnits;
  /** Its customer and header tags (`request.attribution`). */
  attribution?: Attribution;
  /** When the request arrived (`performance.now()`): the overhead header counts from there. */
  receivedAt?: number;
  /** The response cache's part in this call, when it has one (response-cache.ts). */
  cache?: CacheLookup;
  /**
   * The route streams the model's text in a form its `post_call` guardrails do not read yet
   * (`/v1/messages`, `/v1/responses`): a streamed call that runs one is refused.
   */
  streamsUncheckedText?: boolean;
  /**
   * The route writes OpenAI SSE events as they came and takes `StreamEvent.wire` events: whole
   * upstream events, as bytes (the chat and text completion routes).
   */
  wire?: boolean;
}

export type CallResult<Res, Chunk> =
  | { kind: 'json'; value: Res; meta: CallMeta }
  | { kind: 'stream'; opened: OpenedStream<Chunk>; meta: CallMeta };

export class ProxyService {
  private readonly completionOps = new WeakMap<
    ProviderAdapter,
    Operation<unknown, unknown, unknown>
  >();
  private readonly chatOps = new WeakMap<ProviderAdapter, Operation<unknown, unknown, unknown>>();

  constructor(private readonly deps: ProxyDeps) {}

  /**
   * Whether a call's answer is kept with its spend (`store_prompts_in_spend_logs`): only then do
   * the routes hand it over (CallMeta.response), so a call pays nothing for it otherwise.
   */
  get keepsAnswers(): boolean {
    return this.deps.config.spendLog?.storePrompts === true;
  }

  /** Public model names the principal may call, for /v1/models and error messages. */
  modelsFor(principal: Principal): string[] {
    return this.deps.router.catalog.publicModelNames().filter((m) => principal.canUseModel(m));
  }

  async call<Req extends ProxyRequestBody, Res, Chunk>(
    op: OpName | OperationResolver,
    body: Req,
    principal: Principal,
    io: CallIo,
  ): Promise<CallResult<Res, Chunk>> {
    const { router, config } = this.deps;
    this.deps.activity?.seen(principal);
    refuseClientRouting(body);
    checkEnforcedParams(body, principal, config.enforcedParams);
    const resolved = this.resolveModel(principal, body.model);
    if (resolved.model !== body.model) body = { ...body, model: resolved.model };
    const stream = io.stream ?? body.stream === true;
    // Before anything is reserved: a request a guardrail refuses holds no budget and costs nothing.
    // Calls that are not metered (token counts) send nothing to a model: no guardrail runs.
    const guards = io.metered === false ? undefined : this.guarded(body, principal, stream, io);
    if (guards) {
      const checked = guards.checkRequest(body);
      body = checked instanceof Promise ? await checked : checked;
    }
    // Checked before anything is reserved: a malformed list is a 400 that holds no budget.
    const fallbacks = requestFallbacks(body, principal);
    const mockFailure = body.mock_testing_fallbacks === true;
    // Admitted against every budget and rate limit that applies before any provider is called.
    // The meter gets its own object, not a spread copy of `io`: V8 gave each copy a new hidden
    // class, so every load from it missed the property cache on every call.
    const cancel = io.cancel;
    const meter = io.metered === false ? undefined : this.deps.meter;
    const opening = meter?.open({
      requestId: io.requestId,
      callType: io.callType ?? (typeof op === 'string' ? CALL_TYPES[op] : 'acompletion'),
      principal,
      body: body as unknown as Record<string, unknown>,
      candidates: resolved.deployments,
      abortSignal: () => cancel.signal,
      units: io.units,
      attribution: io.attribution,
    });
    const tab = opening instanceof Promise ? await opening : opening;
    if (tab?.loweredMaxTokens !== undefined) body = withMaxTokens(body, tab.loweredMaxTokens);
    const startedAt = performance.now();
    // Admitted like any call (rate limits and budgets hold), then answered from the cache if it can.
    const cached = io.cache?.read ? await this.cachedAnswer(io.cache, tab, stream) : undefined;
    if (cached !== undefined) {
      const deployment = resolved.deployments[0] as Deployment;
      const meta: CallMeta = {
        deployment,
        group: resolved.group,
        retries: 0,
        fallbacks: 0,
        startedAt,
        tab,
        cacheKey: io.cache?.key,
        receivedAt: io.receivedAt,
        upstreamMs: 0,
        guards,
      };
      return cached.kind === 'events'
        ? { kind: 'stream', opened: replayed<Chunk>(cached.events, deployment), meta }
        : { kind: 'json', value: cached.value as Res, meta };
    }
    let last: Deployment | undefined;
    // Time spent waiting on providers (every attempt), for x-litellm-overhead-duration-ms.
    let upstreamMs = 0;
    const numRetries = typeof body.num_retries === 'number' ? body.num_retries : undefined;
    try {
      const outcome = await router.run(
        body.model,
        (routed) => {
          // LiteLLM's `mock_testing_fallbacks`: the requested group fails, to exercise fallbacks.
          // Not a provider's failure: no retry, and no deployment is cooled down for it.
          if (mockFailure && routed.modelName === resolved.group) {
            throw new GatewayError(
              'upstream_error',
              `litellm.InternalServerError: This is a mock exception for model=${resolved.group}, to trigger a fallback. Fallbacks=${pythonList(fallbacks ?? router.fallbacksFor(resolved.group))}`,
            );
          }
          const deployment =
            body.mock_response !== undefined
              ? asMock(routed, body.mock_response)
              : routed.connection.mock_response !== undefined && routed.provider !== 'mock'
                ? asMock(routed, routed.connection.mock_response)
                : routed;
          last = deployment;
          const adapter = this.adapterFor(deployment);
          const operation =
            typeof op === 'function'
              ? op(adapter, deployment)
              : this.operationFor(op, adapter, deployment);
          const ctx: CallContext = {
            deployment,
            stream,
            requestId: io.requestId,
            // The request's `drop_params`, then the deployment's, then litellm_settings' (LiteLLM).
            dropParams: dropParamsOf(body) ?? deployment.dropParams ?? config.dropParams,
          };
          const env = {
            adapter,
            transport: this.deps.transport,
            cancel: io.cancel,
            timeouts: this.timeouts(deployment),
            // A guardrail that reads the answer needs each event's text, not the bytes as sent.
            wire: guards && guards.output.length > 0 ? false : io.wire,
            limits: this.deps.metrics.upstreamLimits,
          };
          const began = performance.now();
          const waited = () => {
            upstreamMs += performance.now() - began;
          };
          const called = stream
            ? openStream(operation, body, ctx, env)
            : callOnce(operation, body, ctx, env);
          return called.finally(waited);
        },
        {
          cancel: io.cancel,
          canUse: (g) => principal.canUseModel(g),
          numRetries,
          fallbacks,
          tags: config.router.tagFiltering
            ? routingTags(body as unknown as Record<string, unknown>, io.attribution)
            : undefined,
          holdInFlight: stream,
        },
      );
      const meta: CallMeta = {
        deployment: last ?? outcome.deployment,
        group: outcome.group,
        retries: outcome.retries,
        fallbacks: outcome.fallbacks,
        startedAt,
        tab,
        receivedAt: io.receivedAt,
        upstreamMs,
        guards,
      };
      if (outcome.fallbacks > 0) this.deps.metrics.fallbacks.inc({ model: resolved.group });
      return stream
        ? {
            kind: 'stream',
            opened: this.releasedAtEnd(outcome.value as OpenedStream<Chunk>),
            meta,
          }
        : { kind: 'json', value: outcome.value as Res, meta };
    } catch (error: unknown) {
      if (last && error instanceof ProviderError) this.recordFailure(last, error);
      if (tab && last) {
        tab.close({
          deployment: last,
          group: resolved.group,
          usage: undefined,
          status: 'failure',
          startedAt,
          error: error instanceof Error ? error.message : String(error),
          guardrails: guards?.names,
        });
      } else tab?.release();
      throw toGatewayError(error, {
        providerName: last ? this.adapterFor(last).displayName : 'Gateway',
        group: resolved.group,
        fallbacks:
          fallbacks ??
          router.fallbacksFor(
            resolved.group,
            error instanceof ProviderError ? error.kind : undefined,
          ),
      });
    }
  }

  /**
   * The guardrails of a call. One that reads answers, on a stream of text this route cannot check,
   * refuses the call before it is sent: the answer would otherwise go out unchecked.
   */
  private guarded(
    body: ProxyRequestBody,
    principal: Principal,
    stream: boolean,
    io: CallIo,
  ): CallGuards | undefined {
    const guards = this.deps.guardrails?.forRequest(body, principal);
    const reader = guards?.output[0];
    if (reader && stream && (io.streamsUncheckedText === true || !guards.readsStreams)) {
      throw new GatewayError(
        'bad_request',
        `Guardrail '${reader.name}' checks answers (post_call), which Tollgate does not do on streamed answers of this route yet; ask without stream, or on /v1/chat/completions. The call was not sent`,
        { param: 'guardrails' },
      );
    }
    return guards;
  }

  /** A call whose answer is one document, never a stream (images, audio to text, rerank...). */
  async answer<Req extends ProxyRequestBody, Res>(
    op: OpName | OperationResolver,
    body: Req,
    principal: Principal,
    io: CallIo,
  ): Promise<{ value: Res; meta: CallMeta }> {
    const result = await this.call<Req, Res, never>(op, body, principal, io);
    if (result.kind !== 'json') {
      throw new GatewayError('internal_server_error', 'a call that answers once answered a stream');
    }
    return result;
  }

  /**
   * Where a call to `model` goes for this principal: the key's and team's aliases first, then
   * access checked on where they lead (the name asked for or its group). Throws the errors a call
   * gives: no access, or no such model.
   */
  resolveModel(
    principal: Principal,
    model: string,
  ): { model: string; group: string; deployments: readonly Deployment[] } {
    const target = principal.resolveModelAlias(model);
    const resolved = this.deps.router.catalog.resolve(target);
    if (!principal.canUseModel(target) && !(resolved && principal.canUseModel(resolved.group))) {
      throw principal.modelAccessError(target);
    }
    if (!resolved) {
      const available = this.modelsFor(principal);
      throw new GatewayError(
        'invalid_model',
        `Invalid model name passed in model=${target}. Call \`/v1/models\` to view available models for your key. Available models: ${available.length > 0 ? available.join(', ') : '(none configured)'}`,
        { param: 'model' },
      );
    }
    return { model: target, group: resolved.group, deployments: resolved.deployments };
  }

  /**
   * A kept answer: the object the routes send (its text kept for sending as it is), or for a
   * stream the events it was; undefined when there is none or it cannot be read back.
   */
  private async cachedAnswer(
    lookup: CacheLookup,
    tab: Tab | undefined,
    stream: boolean,
  ): Promise<
    | { kind: 'json'; value: unknown }
    | { kind: 'events'; events: StreamEvent<unknown>[] }
    | undefined
  > {
    let text: string | undefined;
    try {
      text = await lookup.read?.();
    } catch (error: unknown) {
      tab?.release();
      throw error;
    }
    if (text === undefined) return undefined;
    try {
      if (stream) {
        const decoder = createOpenAiStreamDecoder<unknown>('Cache');
        const events = [...decoder.push(Buffer.from(text, 'utf8')), ...decoder.end()];
        return { kind: 'events', events };
      }
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === 'object'
        ? { kind: 'json', value: keepRawJson(value, text) }
        : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every deployment of the catalog. */
  allDeployments(): Deployment[] {
    return this.deps.router.catalog.allDeployments();
  }

  /** A deployment of the catalog by its id (`model_info.id`). */
  deploymentById(id: string): Deployment | undefined {
    return this.deps.router.catalog.allDeployments().find((d) => d.id === id);
  }

  /**
   * Sends one request to one deployment as it is and returns the answer as it came, whatever its
   * status: for provider resources addressed by id (stored responses), not metered or routed.
   */
  async sendTo(
    deployment: Deployment,
    request: UpstreamRequest,
    cancel: Cancellation,
  ): Promise<{ status: number; body: string }> {
    const { totalMs } = this.timeouts(deployment);
    try {
      const response = await this.deps.transport.send(request, {
        cancel,
        headersTimeoutMs: totalMs,
        bodyTimeoutMs: totalMs,
      });
      return { status: response.status, body: await response.body.text() };
    } catch (error: unknown) {
      throw toGatewayError(toProviderError(error), {
        providerName: this.adapterFor(deployment).displayName,
        group: deployment.modelName,
        fallbacks: [],
      });
    }
  }

  /** The adapter that serves a deployment's provider, if this build has one. */
  adapterOf(deployment: Deployment): ProviderAdapter | undefined {
    return this.deps.adapters.get(deployment.provider);
  }

  /** The stream counts as in flight on its deployment until it ends, however it ends. */
  private releasedAtEnd<Chunk>(opened: OpenedStream<Chunk>): OpenedStream<Chunk> {
    const health = this.deps.router.health;
    opened.whenDone(() => health.end(opened.deployment));
    return opened;
  }

  /**
   * Books a call that finished well: success, latency, retries, the tokens it used, and its
   * cost (returned, for `x-litellm-response-cost`). `units` are the images of an image call.
   */
  recordUsage(meta: CallMeta, usage: Usage | undefined, units?: MediaUnits): number {
    const { deployment } = meta;
    // A cached answer reached no provider: only its booking (at no cost) is left to do.
    if (meta.cacheKey !== undefined) return this.closeTab(meta, usage, 'success');
    const labels = {
      model: meta.group,
      model_id: deployment.id,
      api_provider: deployment.provider,
    };
    this.deps.metrics.deploymentSuccess.inc(labels);
    this.deps.metrics.upstreamLatency.observe(labels, (performance.now() - meta.startedAt) / 1000);
    if (meta.retries > 0)
      this.deps.metrics.retries.inc({ model: meta.group, model_id: deployment.id }, meta.retries);
    this.recordTokens(meta, usage);
    return this.closeTab(meta, usage, 'success', units);
  }

  private closeTab(
    meta: CallMeta,
    usage: Usage | undefined,
    status: 'success' | 'failure',
    units?: MediaUnits,
  ): number {
    const tab = meta.tab;
    if (!tab) return 0;
    const cost = tab.close({
      deployment: meta.deployment,
      group: meta.group,
      usage,
      status,
      startedAt: meta.startedAt,
      units,
      cacheKey: meta.cacheKey,
      response: meta.response,
      guardrails: meta.guards?.names,
    });
    if (cost > 0) this.recordSpend(meta.group, tab.input.principal, cost);
    return cost;
  }

  /**
   * `litellm_spend_metric`: what a call cost, by who paid for it (LiteLLM's labels but
   * `end_user`: its values come from the client's `user` field, so any client could add series
   * without bound; spend per end user is in the spend reports).
   */
  private recordSpend(group: string, principal: Principal, cost: number): void {
    this.deps.metrics.spend.inc(
      {
        model: group,
        hashed_api_key: principal.keyHash ?? '',
        api_key_alias: principal.key?.key_alias ?? '',
        team: principal.teamId ?? '',
        team_alias: principal.team?.team_alias ?? '',
        user: principal.userId ?? '',
      },
      cost,
    );
  }

  /** The first chunk of a stream reached the client. */
  recordFirstChunk(meta: CallMeta): void {
    const { deployment } = meta;
    this.deps.metrics.timeToFirstToken.observe(
      { model: meta.group, model_id: deployment.id, api_provider: deployment.provider },
      (performance.now() - meta.startedAt) / 1000,
    );
  }

  /**
   * A stream that failed after it started: the tokens it used are still booked, the failure is
   * counted (not a success), and the client's error names the provider as LiteLLM does.
   */
  failStream(meta: CallMeta, usage: Usage | undefined, error: unknown): GatewayError {
    this.recordTokens(meta, usage);
    this.closeTab(meta, usage, 'failure');
    if (error instanceof ProviderError) this.recordFailure(meta.deployment, error);
    return toGatewayError(error, {
      providerName: this.adapterFor(meta.deployment).displayName,
      group: meta.group,
      fallbacks: [],
    });
  }

  private recordTokens(meta: CallMeta, usage: Usage | undefined): void {
    const { deployment } = meta;
    if (!usage) return;
    const tokenLabels = { model: meta.group, model_id: deployment.id };
    this.deps.metrics.inputTokens.inc(tokenLabels, usage.prompt_tokens || 0);
    this.deps.metrics.outputTokens.inc(tokenLabels, usage.completion_tokens || 0);
    this.deps.metrics.totalTokens.inc(tokenLabels, usage.total_tokens || 0);
    this.deps.router.health.recordTokens(deployment, usage.total_tokens || 0);
  }

  recordFailure(deployment: Deployment, error: ProviderError): void {
    this.deps.metrics.deploymentFailure.inc({
      model: deployment.modelName,
      model_id: deployment.id,
      api_provider: deployment.provider,
      exception_class: error.kind,
    });
  }

  private adapterFor(deployment: Deployment): ProviderAdapter {
    const adapter = this.deps.adapters.get(deployment.provider);
    if (!adapter) {
      throw new ProviderError(
        'bad_request',
        `provider "${deployment.provider}" is not available in this build`,
        { status: 400 },
      );
    }
    return adapter;
  }

  private operationFor(
    op: OpName,
    adapter: ProviderAdapter,
    d: Deployment,
  ): Operation<unknown, unknown, unknown> {
    if (op === 'chat') {
      // Instruct models answer only /completions (text-completion-openai/).
      if (d.provider !== 'text-completion-openai' || !adapter.completion) {
        return adapter.chat as Operation<unknown, unknown, unknown>;
      }
      let viaCompletion = this.chatOps.get(adapter);
      if (!viaCompletion) {
        viaCompletion = chatViaCompletion(adapter.completion) as Operation<
          unknown,
          unknown,
          unknown
        >;
        this.chatOps.set(adapter, viaCompletion);
      }
      return viaCompletion;
    }
    if (op === 'embedding') {
      if (!adapter.embedding) {
        throw new ProviderError(
          'bad_request',
          `${adapter.displayName} does not support embeddings (model ${d.modelName})`,
          { status: 400 },
        );
      }
      return adapter.embedding as Operation<unknown, unknown, unknown>;
    }
    if (adapter.completion) return adapter.completion as Operation<unknown, unknown, unknown>;
    let wrapped = this.completionOps.get(adapter);
    if (!wrapped) {
      wrapped = completionViaChat(adapter.chat) as Operation<unknown, unknown, unknown>;
      this.completionOps.set(adapter, wrapped);
    }
    return wrapped;
  }

  private timeouts(d: Deployment): Timeouts {
    const router = this.deps.config.router;
    const totalMs = d.timeoutMs ?? router.timeoutMs;
    return { totalMs, streamIdleMs: d.streamTimeoutMs ?? router.streamTimeoutMs ?? totalMs };
  }
}

/** A kept stream, opened: its events all at once, nothing more to come. */
function replayed<Chunk>(
  events: StreamEvent<unknown>[],
  deployment: Deployment,
): OpenedStream<Chunk> {
  return {
    first: events as StreamEvent<Chunk>[],
    rest: (async function* () {})(),
    deployment,
    whenDone: (fn) => fn(),
  };
}

/** LiteLLM's `mock_response`: answer from the built-in mock instead of calling the provider. */
function asMock(d: Deployment, response: unknown): Deployment {
  const text = typeof response === 'string' ? response : JSON.stringify(response);
  return { ...d, provider: 'mock', connection: { ...d.connection, mock_response: text } };
}

function dropParamsOf(body: object): boolean | undefined {
  const value = (body as { drop_params?: unknown }).drop_params;
  return typeof value === 'boolean' ? value : undefined;
}
