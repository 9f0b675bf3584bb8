/**
 * The composition root: the only place that builds concrete implementations and wires them
 * together. `createApp` returns a ready-to-listen gateway for a validated config.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { registerAuditRoutes } from './admin/audit-routes.js';
import { registerBudgetRoutes } from './admin/budget-routes.js';
import { registerOrganizationRoutes } from './admin/organization-routes.js';
import { registerTagRoutes } from './admin/tag-routes.js';
import { TagService } from './admin/tag-service.js';
import { OrganizationService } from './admin/organization-service.js';
import { BudgetService } from './admin/budget-service.js';
import { registerCustomerRoutes } from './admin/customer-routes.js';
import { registerInvitationRoutes } from './admin/invitation-routes.js';
import { InvitationService } from './admin/invitation-service.js';
import { OnboardingTokens } from './admin/invitation-token.js';
import { CustomerService } from './admin/customer-service.js';
import { registerKeyBoundsRoutes } from './admin/key-bounds-routes.js';
import { registerKeyRoutes } from './admin/key-routes.js';
import { registerModelRoutes } from './admin/model-routes.js';
import { registerSpendRoutes } from './admin/spend-routes.js';
import { registerGuardrailRoutes } from './guardrails/guardrail-routes.js';
import { Guardrails } from './guardrails/guardrails.js';
import { PresidioChecker } from './guardrails/presidio.js';
import { SpendService } from './admin/spend-service.js';
import { ModelService } from './admin/model-service.js';
import { KeyService, type CustomKeyGenerate } from './admin/key-service.js';
import { registerTeamRoutes } from './admin/team-routes.js';
import { TeamService } from './admin/team-service.js';
import { registerUserRoutes } from './admin/user-routes.js';
import { UserService } from './admin/user-service.js';
import { ROUTE_ACCESS } from './auth/route-permissions.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createJwtAuthenticator } from './auth/jwt-authenticator.js';
import { IdentityProvisioner } from './sso/identity-provisioning.js';
import { registerSsoRoutes } from './sso/sso-routes.js';
import { createSsoService } from './sso/sso-service.js';
import { createCustomAuthResolver } from './auth/custom-auth.js';
import { PrincipalCache } from './auth/principal-cache.js';
import { createKeyResolver } from './auth/virtual-key-resolver.js';
import { createCluster } from './cluster/cluster.js';
import {
  applyToLocalCaches,
  replicatedAuth,
  replicatedCustomers,
  replicatedTags,
  replicatedModels,
} from './cluster/replicated-caches.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { loadConfigHooks } from './config/load-hooks.js';
import { BudgetActivity, registerBudgetGauges } from './observability/budget-gauges.js';
import { registerProviderBudgetGauge } from './observability/provider-budget-gauge.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { counterKey } from './spend/counter-store.js';
import { createProviderRegistry } from './providers/registry.js';
import { callOnce, openStream } from './proxy/call-upstream.js';
import { registerMessagesRoute } from './proxy/messages-route.js';
import { registerImagesRoute } from './proxy/images-route.js';
import { registerSpeechRoute } from './proxy/speech-route.js';
import { registerRerankRoute } from './proxy/rerank-route.js';
import { ResponseCache } from './proxy/response-cache.js';
import { registerCacheRoutes } from './server/cache-routes.js';
import { registerTranscriptionsRoute } from './proxy/transcriptions-route.js';
import { silentWav } from './util/silent-wav.js';
import { registerModerationsRoute } from './proxy/moderations-route.js';
import { registerResponsesRoute } from './proxy/responses-route.js';
import { registerStoredResponseRoutes, ResponseLocations } from './proxy/stored-responses.js';
import { registerCountTokensRoutes } from './proxy/count-tokens-routes.js';
import { registerProxyRoutes } from './proxy/proxy-routes.js';
import { ProxyService } from './proxy/proxy-service.js';
import { DeploymentHealth } from './proxy/router/deployment-health.js';
import { DatabaseModels, liveModelDirectory } from './proxy/router/database-models.js';
import { ModelCatalog } from './proxy/router/model-catalog.js';
import { Router } from './proxy/router/router.js';
import { Cancellation } from './proxy/cancellation.js';
import { createUpstreamTransport, type UpstreamTransport } from './proxy/upstream-transport.js';
import { buildUiAuthSettings } from './config/ui-auth-settings.js';
import { budgetAlerts, overBudgetNotices } from './notify/budget-alerts.js';
import { createSmtpMailer } from './notify/email.js';
import { accessCheck, installRouteAccess } from './server/access-control.js';
import { registerSessionRoutes } from './sessions/session-routes.js';
import { createWebAuth } from './sessions/web-auth.js';
import {
  closeAdmin,
  installListenerGuard,
  listenAdmin,
  listenerPolicy,
} from './server/admin-listener.js';
import { BlockedCustomers, blockedCustomerCheck } from './server/blocked-customers.js';
import { attributionCheck } from './server/attribution.js';
import { bodyDepthCheck } from './server/body-depth.js';
import { FastLane, type AnsweredRequest } from './server/fast-lane.js';
import { parseJsonBody } from './server/json-body.js';
import { installRequestChecks, type RequestCheck } from './server/request-checks.js';
import { installErrorHandler } from './server/error-handler.js';
import { registerHealthRoutes } from './server/health-routes.js';
import { registerModelInfoRoutes } from './server/model-info-routes.js';
import { registerUiRoutes } from './server/ui-routes.js';
import { BudgetCalendar } from './spend/budget-calendar.js';
import {
  createMeter,
  forgettingAuth,
  forgettingCustomers,
  forgettingTags,
} from './spend/create-meter.js';
import { StoredTags } from './spend/stored-tags.js';
import { createPricing } from './spend/pricing.js';
import { registerSpendCalculateRoute } from './server/spend-calculate-route.js';
import { readStored, StoreSpendLedger } from './spend/spend-ledger.js';
import { SpendLogRetention } from './spend/spend-log-retention.js';
import { RouteBudgets } from './spend/route-budgets.js';
import { redisLock } from './cluster/cluster-lock.js';
import { CallTracer, tracedLedger } from './observability/call-traces.js';
import type { SpendLedger } from './spend/types.js';
import { CredentialCipher } from './store/credential-cipher.js';
import type { Store } from './store/store.js';
import { newCallId } from './util/call-id.js';

export interface AppOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Keys, users and teams; without one, virtual keys and management routes answer "no db". */
  store?: Store;
  /** Replaceable for tests; the real undici transport by default. */
  transport?: UpstreamTransport;
  now?: () => number;
  random?: () => number;
}

export interface App {
  server: FastifyInstance;
  metrics: GatewayMetrics;
  /** Stops taking requests; resolves when in-flight ones are done. */
  close(): Promise<void>;
  isDraining(): boolean;
  startDraining(): void;
  /**
   * Opens the admin listener (`general_settings.admin_port`): admin routes and health on a
   * second address, served by this same app. Its address once listening.
   */
  listenAdmin(options: { port: number; host: string }): Promise<AddressInfo>;
  /** The admin listener's server, once open (for the shutdown deadline). */
  adminServer(): Server | undefined;
  /** Books the spend of every call (absent without a database); flushed by `close`. */
  ledger?: SpendLedger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** How long shutdown waits for the store to take the spend still queued. */
const LEDGER_CLOSE_MS = 10_000;

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const pricing = createPricing({ logger, now });
  const transport = options.transport ?? createUpstreamTransport();
  const metrics = createMetrics();
  const adapters = createProviderRegistry();
  const catalog = new ModelCatalog(config.deployments, config.router.modelGroupAlias);
  const health = new DeploymentHealth(config.router, now, (d, reason) => {
    metrics.deploymentCooledDown.inc({
      model: d.modelName,
      model_id: d.id,
      api_provider: d.provider,
      reason,
    });
    logger.warn({ model: d.modelName, deployment: d.id, reason }, 'deployment cooling down');
  });
  const { store } = options;
  // Tags stored with /tag/new: their budgets hold the calls booked under them, and their models
  // serve their calls under enable_tag_filtering.
  const storedTags = store && new StoredTags(store.tags, { now, logger });
  await storedTags?.refresh();
  // When budget windows end (litellm_settings.timezone): one calendar for admission, the ledger
  // and every admin service, so the window a call is admitted in is the one it is booked to.
  const calendar = BudgetCalendar.of(config.money);
  // Provider and deployment budgets (provider_budget_config, litellm_params.max_budget): routing
  // skips a deployment once one of them is spent; the spend already stored counts from the start.
  const routeBudgets = new RouteBudgets({
    providers: config.router.providerBudgets,
    calendar,
    now,
    pending: (key) => ledger?.pendingFor(key) ?? 0,
    writtenSince: (written, key) => ledger?.writtenSince(written, key) ?? 0,
  });
  if (store) routeBudgets.load(await store.spend.routeBudgetSpend());
  const router = new Router(catalog, health, config.router, {
    sleep: (ms, cancel) => sleep(ms, undefined, { signal: cancel.signal }).catch(() => undefined),
    random: options.random,
    storedTagsOf: storedTags && ((group, id) => storedTags.taggedFor(group, id)),
    routeBudgets,
  });
  const principals = new PrincipalCache({ now });
  // general_settings.custom_auth / custom_key_generate: operator modules, loaded once here.
  const hooks = await loadConfigHooks(config);
  // Cluster mode (Redis configured): admin changes invalidate the caches of every replica.
  const cluster = config.redis && (await createCluster(config.redis, logger));
  // Spend: calls book into the ledger's outbox, written in batches; the reports read the store.
  // general_settings.alerting: a soft_budget reached (when booked) or a max_budget (when a call is
  // refused for it), to a webhook or Slack.
  const alert = config.alerts && budgetAlerts(config.alerts, logger);
  const ledger =
    store &&
    new StoreSpendLedger({
      store: store.spend,
      logger,
      now,
      calendar,
      intervalMs: config.money.spendWriteIntervalMs,
      // better-sqlite3 writes on the event loop's own thread: ~22 µs a call, so the 200 calls a
      // flush holds at 400 req/s stalled every request for 5-20 ms. In batches of 128 (~3 ms),
      // with the loop turning between them, requests wait for one batch at most; smaller ones
      // cost more per call (64: ~30 µs, 32: ~42 µs: each batch updates every scope it touches).
      batchSize: store.dialect === 'sqlite' ? SQLITE_SPEND_BATCH : undefined,
      onBudgetNotice: alert,
      // disable_spend_logs: no row for any call; disable_error_logs: none for a failed one.
      logs: config.spendLog && {
        successes: !config.spendLog.disabled,
        failures: !config.spendLog.disabled && !config.spendLog.errorsDisabled,
      },
    });
  // litellm_settings.callbacks: ["otel"]: a trace span of every call, from what it books.
  const tracer = config.traces && (await CallTracer.create(config.traces, logger));
  if (config.traces) {
    logger.info(
      { url: config.traces.url, service: config.traces.serviceName },
      `traces: a span of every LLM call goes to ${config.traces.destination === 'langfuse_otel' ? 'Langfuse' : 'the OpenTelemetry collector'}`,
    );
  }
  const booking = tracer ? tracedLedger(ledger, tracer) : ledger;
  const blockedCustomers = store && new BlockedCustomers(store.customers, { now });
  // Money: admission of budgets and rate limits (shared through Redis in cluster mode), pricing
  // and booking of every call.
  const { meter, admission } = createMeter({
    settings: config.money,
    onOverBudget: alert && overBudgetNotices(alert),
    calendar,
    pricing,
    ledger: booking,
    redis: cluster ? { client: cluster.redis, keyPrefix: cluster.settings.keyPrefix } : undefined,
    customer: blockedCustomers && ((id) => blockedCustomers.cachedRecord(id)),
    tags: storedTags,
    storePrompts: config.spendLog?.storePrompts === true && ledger !== undefined,
    routeBudgets,
    logger,
    now,
  });
  // In cluster mode the other replicas' spend of provider and deployment budgets comes from the
  // store, read every second (only while some budget is configured or stored).
  const routeBudgetSync =
    cluster && store ? syncRouteBudgets(routeBudgets, store, logger, ledger) : undefined;
  // LiteLLM's response cache (`litellm_settings.cache`): in this process, or in Redis.
  const responseCache =
    config.cache &&
    (await ResponseCache.create({ settings: config.cache, redis: config.redis, logger }));
  const localAuth = forgettingAuth(principals, admission);
  const localCustomers = blockedCustomers && forgettingCustomers(blockedCustomers, admission);
  const localTags =
    storedTags &&
    Object.assign(forgettingTags(storedTags, admission), { clear: () => storedTags.clear() });
  const tagInvalidation =
    localTags && (cluster ? replicatedTags(localTags, cluster.bus) : localTags);
  const authInvalidation = cluster ? replicatedAuth(localAuth, cluster.bus) : localAuth;
  const hookModels = liveModelDirectory(() => router.catalog);
  // Web UI sign-in: sessions live in the database; the cookie counts when a request has no key.
  const uiAuth = config.uiAuth ?? buildUiAuthSettings({}, config.masterKey, []);
  const web =
    store &&
    createWebAuth({
      settings: uiAuth,
      store,
      masterKey: config.masterKey,
      directory: hookModels,
      now,
    });
  // Users and teams from the identity provider: JWT auth of API calls and SSO sign-in.
  const identities =
    store &&
    new IdentityProvisioner({
      store,
      userDefaults: config.internalUsers,
      teamDefaults: config.defaultTeamParams,
      invalidation: authInvalidation,
      now,
      calendar,
    });
  const jwt =
    config.jwtAuth &&
    createJwtAuthenticator({
      settings: config.jwtAuth,
      store,
      provisioner: identities,
      directory: () => hookModels,
      now,
    });
  const authenticate = createAuthenticator({
    customAuth: hooks.customAuth && {
      resolve: createCustomAuthResolver(hooks.customAuth, () => hookModels),
      mode: config.hooks?.customAuthMode ?? 'on',
    },
    masterKey: config.masterKey,
    keyHeaderName: config.keyHeaderName,
    resolveKey:
      store &&
      createKeyResolver(
        store,
        liveModelDirectory(() => router.catalog),
        now,
        ledger && ((read) => ledger.readStored(read)),
      ),
    cache: principals,
    now,
    sessions: web?.authenticate,
    jwt,
  });
  const keys =
    store &&
    new KeyService({
      store,
      invalidation: authInvalidation,
      now,
      calendar,
      policy: config.keyGeneration,
      customKeyGenerate: hooks.customKeyGenerate as CustomKeyGenerate | undefined,
      models: () => hookModels,
    });
  const mailer = uiAuth.smtp && createSmtpMailer(uiAuth.smtp);
  const invitations =
    store &&
    web &&
    new InvitationService({
      store,
      sessions: web.sessions,
      // Onboarding tokens must verify on every replica: keyed by the shared salt or master key.
      tokens: new OnboardingTokens(
        config.saltKey ?? config.masterKey ?? randomBytes(32).toString('hex'),
        now,
      ),
      mailer,
      logger,
      baseUrl: uiAuth.baseUrl,
      now,
    });
  const defaults = config.internalUsers;
  const users =
    store &&
    keys &&
    new UserService({
      store,
      keys,
      invalidation: authInvalidation,
      defaults,
      now,
      calendar,
      invitations,
      sessions: web?.sessions,
    });
  const teams =
    store && new TeamService({ store, invalidation: authInvalidation, defaults, now, calendar });
  const customerInvalidation =
    localCustomers && (cluster ? replicatedCustomers(localCustomers, cluster.bus) : localCustomers);
  const customers =
    store &&
    customerInvalidation &&
    new CustomerService({
      store,
      invalidation: customerInvalidation,
      modelNames: () => router.catalog.publicModelNames(),
      now,
      calendar,
    });
  const budgets =
    store &&
    customerInvalidation &&
    new BudgetService({
      store,
      invalidation: customerInvalidation,
      keys: authInvalidation,
      tags: tagInvalidation,
      now,
      calendar,
    });
  const tags =
    store &&
    budgets &&
    tagInvalidation &&
    new TagService({ store, budgets, invalidation: tagInvalidation, now, calendar });
  const organizations =
    store &&
    budgets &&
    new OrganizationService({
      store,
      budgets,
      invalidation: authInvalidation,
      defaults,
      now,
      calendar,
    });
  const spend = new SpendService({ store, now, calendar, afterReset: () => principals.clear() });
  // Models stored in the database: loaded now, swapped into the router on every change.
  const modelEnv = config.env ?? {};
  const cipher = new CredentialCipher(config.saltKey ?? config.masterKey);
  const dbModels =
    store &&
    new DatabaseModels({
      repository: store.models,
      cipher,
      configDeployments: config.deployments,
      aliases: config.router.modelGroupAlias,
      env: modelEnv,
      install: (next) => {
        router.replaceCatalog(next);
        // Cached principals compiled their model rules against the old access groups.
        principals.clear();
      },
      logger,
      pollMs: config.modelPollMs ?? 10_000,
    });
  if (dbModels) {
    await dbModels.refresh(true).catch((error: unknown) => {
      logger.warn({ err: error }, 'database models: cannot load them; serving the config models');
    });
    dbModels.start();
  }
  // general_settings.maximum_spend_logs_retention_period: old spend log rows deleted in the
  // background, by one replica at a time in cluster mode.
  const retentionSettings = config.spendLog?.retention;
  const retention =
    store &&
    retentionSettings &&
    new SpendLogRetention({
      store: store.spend,
      settings: retentionSettings,
      logger,
      now,
      timeZone: config.money.budgetTimeZone,
      deleteSize: store.dialect === 'sqlite' ? SQLITE_DELETE_ROWS : undefined,
      lock: cluster && redisLock(cluster.redis, `${cluster.settings.keyPrefix}spend-log-retention`),
    });
  if (retention && retentionSettings) {
    retention.start();
    const next = retention.nextRunAt();
    logger.info(
      {
        logs: retentionSettings.logs?.text,
        dailyTagTotals: retentionSettings.dailyTags?.text,
        nextRun: next === undefined ? undefined : new Date(next).toISOString(),
      },
      'spend log retention: older rows are deleted in the background',
    );
  }
  const modelService =
    store &&
    dbModels &&
    new ModelService({
      store,
      cipher,
      models: cluster ? replicatedModels(dbModels, cluster.bus) : dbModels,
      env: modelEnv,
      now,
    });
  // Resolves once subscribed, or at the first failed attempt when Redis is down: never hangs.
  await cluster?.bus.start(
    applyToLocalCaches(
      { principals, customers: blockedCustomers, tags: localTags, models: dbModels },
      logger,
    ),
  );
  if (config.router.providerBudgets?.size) {
    registerProviderBudgetGauge(metrics.registry, routeBudgets);
  }
  // litellm_remaining_*_budget_metric and friends, read from the store when /metrics is scraped.
  const activity = store && new BudgetActivity();
  if (store && activity) {
    registerBudgetGauges(metrics.registry, activity, {
      onError: (error) =>
        logger.warn({ err: error }, 'metrics: cannot read budgets from the store; gauges skipped'),
      keys: async (hashes) =>
        (await store.keys.findByHashes(hashes)).map((k) => ({
          ...k,
          id: k.token,
          alias: k.key_alias,
        })),
      teams: async (ids) =>
        (await store.teams.findByIds(ids)).map((t) => ({
          ...t,
          id: t.team_id,
          alias: t.team_alias,
        })),
      users: async (ids) =>
        (await store.users.findByIds(ids)).map((u) => ({ ...u, id: u.user_id, alias: null })),
      organizations: async (ids) => {
        const organizations = await store.organizations.list(ids);
        const budgets = new Map(
          (
            await store.budgets.findByIds(
              organizations.flatMap((o) => (o.budget_id === null ? [] : [o.budget_id])),
            )
          ).map((b) => [b.budget_id, b]),
        );
        // An organization's limits are those of its budget row.
        return organizations.map((o) => {
          const budget = o.budget_id === null ? undefined : budgets.get(o.budget_id);
          return {
            id: o.organization_id,
            alias: o.organization_alias,
            spend: o.spend,
            max_budget: budget?.max_budget ?? null,
            budget_duration: budget?.budget_duration ?? null,
            budget_reset_at: o.budget_reset_at,
          };
        });
      },
      pending: (kind, id) => ledger?.pendingFor(counterKey(kind, id)) ?? 0,
      readStored: (read) => readStored(ledger, read),
      writtenSince: (written, kind, id) => ledger?.writtenSince(written, counterKey(kind, id)) ?? 0,
      now,
      calendar,
    });
  }
  const service = new ProxyService({
    config,
    router,
    adapters,
    transport,
    metrics,
    logger,
    meter,
    activity,
    guardrails: guardrailsOf(config, logger),
  });
  let draining = false;

  // Metrics and the log line of every answered request, from Fastify or the fast lane.
  const answered = (done: AnsweredRequest): void => {
    const { route, statusCode } = done;
    // The LLM routes of the route table; only configured names become label values, so a client
    // cannot create metric series at will.
    if (ROUTE_ACCESS[route] === 'llm') {
      const model = router.catalog.resolve(modelOf(done.body))?.configuredName ?? 'unknown';
      const status = String(statusCode);
      metrics.requests.inc({ model, route, status_code: status });
      metrics.totalLatency.observe({ model, route }, done.elapsedMs / 1000);
      if (statusCode >= 400)
        metrics.failedRequests.inc({
          model,
          route,
          exception_class: status,
          status_code: status,
        });
    }
    const level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'info' : 'debug';
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        reqId: done.requestId,
        method: done.method,
        url: route,
        status: statusCode,
        ms: Math.round(done.elapsedMs),
      },
      'request',
    );
  };
  // In this order: a body too deep is refused before authentication reads it.
  const checks: RequestCheck[] = [
    bodyDepthCheck(),
    accessCheck(authenticate),
    attributionCheck({
      customerHeaders: config.customerHeaders ?? [],
      tagHeaders: config.spendTagHeaders?.headers ?? [],
      userAgentTag: config.spendTagHeaders?.userAgent ?? true,
      traceParent: tracer !== undefined,
    }),
  ];
  if (blockedCustomers) checks.push(blockedCustomerCheck(blockedCustomers));
  // The LLM call routes, served in front of Fastify (see src/server/fast-lane.ts).
  const lane = new FastLane({
    checks,
    maxRequestBytes: config.maxRequestBytes,
    logger,
    requestId: requestIdOf,
    callId: callIdOf,
    answered,
    isDraining: () => draining,
  });

  const server: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (pino would serialise its bindings every time): log lines
    // carry the request id explicitly instead.
    childLoggerFactory: (parent) => parent,
    bodyLimit: config.maxRequestBytes,
    requestIdHeader: false,
    genReqId: requestIdOf,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    serverFactory: (handler) => {
      const http = createServer(lane.listener(handler));
      // What Fastify gives the server it makes itself.
      http.keepAliveTimeout = FASTIFY_KEEP_ALIVE_MS;
      http.requestTimeout = 0;
      http.setTimeout(0);
      return http;
    },
  });
  // LiteLLM reads any body as JSON whatever its content type (curl -d sends form encoding).
  server.removeContentTypeParser(['application/json', 'text/plain']);
  for (const type of ['application/json', '*']) {
    // An empty body is an error where the client said it sent JSON.
    const emptyIsError = type === 'application/json';
    server.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string, emptyIsError));
      } catch (error: unknown) {
        done(error as Error, undefined);
      }
    });
  }
  server.decorateRequest('callId', '');
  // Callback hooks, not async ones: no promise and microtask turn per request for each.
  server.addHook('onRequest', (request, reply, done) => {
    request.callId = callIdOf(request.id, request.raw);
    reply.header('x-request-id', request.id);
    reply.header('x-litellm-call-id', request.callId);
    done();
  });
  server.addHook('onResponse', (request, reply, done) => {
    done();
    answered({
      route: request.routeOptions.url ?? 'unknown',
      method: request.method,
      requestId: request.id,
      body: request.body,
      statusCode: reply.statusCode,
      elapsedMs: reply.elapsedTime,
    });
  });
  installErrorHandler(server, config.maxRequestBytes);
  installRouteAccess(server);
  installRequestChecks(server, checks);
  const policy = listenerPolicy(config);
  if (policy) installListenerGuard(server, policy);
  let adminServer: Server | undefined;
  registerProxyRoutes(server, { service, metrics, lane, cache: responseCache });
  registerCacheRoutes(server, responseCache);
  registerMessagesRoute(server, { service, lane });
  const locations = new ResponseLocations();
  registerResponsesRoute(server, { service, locations, lane });
  registerStoredResponseRoutes(server, { service, locations });
  registerCountTokensRoutes(server, { service });
  registerModerationsRoute(server, { service, lane });
  registerImagesRoute(server, { service, lane, maxFileBytes: config.maxRequestBytes });
  registerSpeechRoute(server, { service, lane });
  registerRerankRoute(server, { service, lane });
  registerTranscriptionsRoute(server, { service, maxFileBytes: config.maxRequestBytes });
  registerModelInfoRoutes(server, () => router.catalog, pricing);
  registerSpendCalculateRoute(server, () => router.catalog, pricing);
  registerModelRoutes(server, { models: modelService });
  registerKeyRoutes(server, { keys });
  registerKeyBoundsRoutes(server, {
    upperBounds: config.keyGeneration?.upperBounds,
    modelsFor: (caller) => service.modelsFor(caller),
  });
  registerUserRoutes(server, { users });
  registerTeamRoutes(server, { teams });
  registerCustomerRoutes(server, { customers });
  registerBudgetRoutes(server, { budgets });
  registerOrganizationRoutes(server, { organizations });
  registerTagRoutes(server, { tags });
  registerAuditRoutes(server, { store });
  registerSpendRoutes(server, { spend, providerBudgets: () => routeBudgets.providerView() });
  registerGuardrailRoutes(server, config.guardrails ?? []);
  registerSessionRoutes(server, {
    login: web?.login,
    sessions: web?.sessions,
    users: store?.users,
    logoutUrl: uiAuth.logoutUrl,
  });
  registerInvitationRoutes(server, { invitations });
  registerSsoRoutes(server, {
    sso: createSsoService({
      settings: config.sso,
      provisioner: identities,
      sessions: web?.sessions,
      teamIdsField: config.jwtClaims?.team_ids_jwt_field,
    }),
    baseUrl: config.sso?.baseUrl,
  });
  registerUiRoutes(server);
  registerHealthRoutes(server, {
    config,
    isDraining: () => draining,
    pingDatabase: store && (() => store.ping()),
    deployments: () => router.catalog.allDeployments(),
    logLevel: logger.level,
    checkDeployment: async (id) => {
      const d = router.catalog.allDeployments().find((x) => x.id === id);
      const adapter = d ? adapters.get(d.provider) : undefined;
      if (!d || !adapter) throw new Error('provider not available');
      const ctx = { deployment: d, stream: false, requestId: randomUUID(), dropParams: true };
      const env = {
        adapter,
        transport,
        cancel: Cancellation.timeout(30_000),
        timeouts: { totalMs: 30_000, streamIdleMs: 30_000 },
      };
      // Each mode is checked with a call of its kind, as LiteLLM does (an image model draws one).
      const { mode } = d.modelInfo;
      if (mode === 'embedding' && adapter.embedding) {
        await callOnce(adapter.embedding, { model: d.modelName, input: 'ping' }, ctx, env);
      } else if (mode === 'moderation' && adapter.moderation) {
        await callOnce(adapter.moderation, { model: d.modelName, input: 'ping' }, ctx, env);
      } else if (mode === 'image_generation' && adapter.imageGeneration) {
        await callOnce(adapter.imageGeneration, { model: d.modelName, prompt: 'ping' }, ctx, env);
      } else if (mode === 'audio_transcription' && adapter.transcription) {
        const file = { bytes: silentWav(1), filename: 'ping.wav', contentType: 'audio/wav' };
        const transcription = { model: d.modelName, fields: [], files: [['file', file] as const] };
        await callOnce(adapter.transcription, transcription, ctx, env);
      } else if (mode === 'audio_speech' && adapter.speech) {
        const speech = { model: d.modelName, input: 'ping', voice: 'alloy' };
        const opened = await openStream(adapter.speech, speech, { ...ctx, stream: true }, env);
        for await (const _ of opened.rest) void _;
      } else {
        await callOnce(
          adapter.chat,
          { model: d.modelName, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
          ctx,
          env,
        );
      }
    },
  });
  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  server.get('/', async () => ({
    name: 'tollgate',
    health: '/health/liveliness',
    models: '/v1/models',
  }));

  return {
    server,
    metrics,
    isDraining: () => draining,
    startDraining: () => {
      draining = true;
    },
    listenAdmin: async (listen) => {
      const opened = await listenAdmin(server, listen);
      adminServer = opened.server;
      return opened.address;
    },
    adminServer: () => adminServer,
    ledger,
    close: async () => {
      draining = true;
      dbModels?.stop();
      if (routeBudgetSync) clearInterval(routeBudgetSync);
      await retention?.stop();
      await Promise.all([server.close(), adminServer && closeAdmin(adminServer)]);
      // In-flight calls have booked by now; what the store does not take in time is logged.
      await ledger?.close(Date.now() + LEDGER_CLOSE_MS);
      await Promise.all([
        transport.close(),
        cluster?.close(),
        responseCache?.close(),
        // Spans still queued get a moment; a collector that does not answer does not hold up the exit.
        tracer &&
          Promise.race([
            tracer.close().catch(() => undefined),
            sleep(TRACES_CLOSE_MS, undefined, { ref: false }),
          ]),
      ]);
      mailer?.close();
    },
  };
}

/** How often a replica reads the provider and deployment budgets' spend of all replicas. */
const ROUTE_BUDGET_SYNC_MS = 1000;

/** The config's guardrails, ready for calls; a Presidio one that lets a text through says so. */
function guardrailsOf(config: GatewayConfig, logger: Logger): Guardrails {
  // Even with none configured: a call that asks for a guardrail is then refused, not sent unchecked.
  const definitions = config.guardrails ?? [];
  for (const definition of definitions) {
    if (definition.filter instanceof PresidioChecker) {
      definition.filter.onUnchecked = (error) =>
        logger.warn(
          { guardrail: definition.name, err: error.message },
          'guardrail could not check a text; it went on unchecked (unreachable_fallback: fail_open)',
        );
    }
  }
  return new Guardrails(definitions);
}

/**
 * Reads `route_budget_spend` every second into the route budgets (cluster mode: what the other
 * replicas booked). A failed read keeps the last figures and is logged once until one succeeds.
 */
function syncRouteBudgets(
  budgets: RouteBudgets,
  store: Store,
  logger: Logger,
  ledger: SpendLedger | undefined,
): NodeJS.Timeout {
  let failing = false;
  const timer = setInterval(() => {
    readStored(ledger, () => store.spend.routeBudgetSpend(), 1).then(
      ({ value: rows, written, clean }) => {
        // A read that overlapped a batch of this replica may hold that batch or not: those
        // figures wait for the next read.
        if (clean) budgets.load(rows, written);
        failing = false;
      },
      (error: unknown) => {
        if (!failing) logger.warn({ err: error }, 'route budgets: could not read their spend');
        failing = true;
      },
    );
  }, ROUTE_BUDGET_SYNC_MS);
  timer.unref();
  return timer;
}

/** Fastify's default keep-alive timeout, kept for the server the gateway makes for it. */
const FASTIFY_KEEP_ALIVE_MS = 72_000;

/** The request id: the client's `x-request-id` when it is a valid one, else a new id. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : newCallId();
}

/**
 * The call id names the call in the spend log, so it is always the gateway's own: a client that
 * repeats an x-request-id must not get its later calls booked as the first one.
 */
function callIdOf(requestId: string, req: IncomingMessage): string {
  return requestId === req.headers['x-request-id'] ? newCallId() : requestId;
}

/** How long shutdown waits for queued trace spans to be sent. */
const TRACES_CLOSE_MS = 2_000;

/** Spend log rows per DELETE of the retention job on SQLite (see SpendLogRetention). */
const SQLITE_DELETE_ROWS = 250;

/** Spend entries per SQLite transaction (see the ledger's construction). */
const SQLITE_SPEND_BATCH = 128;

function modelOf(body: unknown): string {
  if (body && typeof body === 'object' && 'model' in body && typeof body.model === 'string')
    return body.model.slice(0, 100);
  return 'unknown';
}
