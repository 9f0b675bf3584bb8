/**
 * Runs one call against a model group the way LiteLLM's router does: pick a deployment, retry
 * retryable failures (on another deployment when there is one), cool failing deployments down,
 * then walk the fallback groups that fit the error.
 */
import type { RouterConfig } from '../../config/gateway-config.js';
import type { RouteBudgets } from '../../spend/route-budgets.js';
import type { Deployment } from '../../contracts/deployment.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { ProviderError, type ErrorKind } from '../../providers/types.js';
import type { Cancellation } from '../cancellation.js';
import type { DeploymentHealth } from './deployment-health.js';
import type { ModelCatalog } from './model-catalog.js';
import { pythonList } from '../../util/python-list.js';
import { selectDeployment } from './select-deployment.js';

export interface RouteOutcome<T> {
  value: T;
  deployment: Deployment;
  group: string;
  retries: number;
  fallbacks: number;
}

export interface RouteOptions {
  /** The request's cancellation: once aborted, no further retry or fallback starts. */
  cancel: Cancellation;
  /** Whether the caller may use a (fallback) group; the requested one is checked before. */
  canUse?: (group: string) => boolean;
  /** Per-request override of `num_retries`. */
  numRetries?: number;
  /** The request's own fallback groups, in place of the configured ones. */
  fallbacks?: readonly string[];
  /** The request's tags, for `enable_tag_filtering`. */
  tags?: readonly string[];
  /**
   * Keep the deployment counted as busy after a successful attempt: for streams, which go on
   * after the attempt returns. The caller then calls `health.end(deployment)` when done.
   */
  holdInFlight?: boolean;
}

export type Attempt<T> = (deployment: Deployment) => Promise<T>;

const RETRYABLE = new Set<ErrorKind>([
  'rate_limit',
  'timeout',
  'server',
  'connection',
  'bad_response',
]);
const BASE_BACKOFF_MS = 100;

export interface RouterDeps {
  /** Waits before a retry; returns early when `cancel` aborts. */
  sleep: (ms: number, cancel: Cancellation) => Promise<void>;
  random?: () => number;
  onRetry?: (d: Deployment, error: ProviderError) => void;
  /**
   * Tags a deployment has besides its own `tags` under `enable_tag_filtering`: those of the tags
   * stored with `/tag/new` whose `models` name its id or its model group.
   */
  storedTagsOf?: (group: string, deploymentId: string) => readonly string[];
  /** Provider and deployment budgets: a deployment whose budget is spent is not routed to. */
  routeBudgets?: Pick<RouteBudgets, 'filter'>;
}

export class Router {
  private current: ModelCatalog;

  constructor(
    catalog: ModelCatalog,
    readonly health: DeploymentHealth,
    private readonly config: RouterConfig,
    private readonly deps: RouterDeps,
  ) {
    this.current = catalog;
  }

  /** The catalog in use now; replaced as a whole when models are added, changed or deleted. */
  get catalog(): ModelCatalog {
    return this.current;
  }

  /**
   * Swaps in a new catalog at once. Calls already routing keep the groups they resolved;
   * deployment health is keyed by deployment id, so the state of deployments kept carries over.
   */
  replaceCatalog(catalog: ModelCatalog): void {
    this.current = catalog;
  }

  async run<T>(
    requested: string,
    attempt: Attempt<T>,
    options: RouteOptions,
  ): Promise<RouteOutcome<T>> {
    const first = this.catalog.resolve(requested);
    if (!first)
      throw new GatewayError('invalid_model', `Invalid model name passed in model=${requested}`, {
        param: 'model',
      });
    let tried: Set<string> | undefined;
    let fallbacks = 0;
    let retriesTotal = 0;
    let group = first;
    for (;;) {
      try {
        const outcome = await this.runGroup(group.group, group.deployments, attempt, options);
        outcome.retries += retriesTotal;
        outcome.fallbacks = fallbacks;
        return outcome;
      } catch (error: unknown) {
        if (!(error instanceof RoutedFailure)) throw error;
        retriesTotal += error.retries;
        tried ??= new Set([first.group]);
        const next = this.nextFallback(first.group, error.cause, tried, options);
        if (!next || options.cancel.aborted) throw error.cause;
        tried.add(next.group);
        fallbacks++;
        group = next;
      }
    }
  }

  /**
   * Fallback groups for the first group, chosen by the kind of the last error. As in LiteLLM, a
   * context-window or content-policy error uses the generic fallbacks when no list for its kind
   * is configured at all, and a `"*"` entry is the generic list of groups without their own.
   */
  fallbacksFor(group: string, kind?: ErrorKind): string[] {
    const { contextWindowFallbacks, contentPolicyFallbacks, fallbacks } = this.config;
    if (kind === 'context_window' && contextWindowFallbacks.size > 0) {
      return contextWindowFallbacks.get(group) ?? [];
    }
    if (kind === 'content_policy' && contentPolicyFallbacks.size > 0) {
      return contentPolicyFallbacks.get(group) ?? [];
    }
    return fallbacks.get(group) ?? fallbacks.get('*') ?? this.config.defaultFallbacks;
  }

  private nextFallback(group: string, error: unknown, tried: Set<string>, options: RouteOptions) {
    const kind = error instanceof ProviderError ? error.kind : undefined;
    if (kind === 'bad_request') return undefined;
    for (const name of options.fallbacks ?? this.fallbacksFor(group, kind)) {
      if (tried.has(name) || (options.canUse && !options.canUse(name))) continue;
      const resolved = this.catalog.resolve(name);
      if (resolved) return resolved;
    }
    return undefined;
  }

  private async runGroup<T>(
    group: string,
    all: Deployment[],
    attempt: Attempt<T>,
    options: RouteOptions,
  ): Promise<RouteOutcome<T>> {
    const tagged = this.config.tagFiltering
      ? byTags(group, all, options.tags ?? [], {
          matchAny: this.config.tagFiltering.matchAny,
          storedTagsOf: this.deps.storedTagsOf,
        })
      : all;
    const deployments = this.withinBudget(tagged);
    const maxAttempts = 1 + (options.numRetries ?? this.config.numRetries);
    let lastError: unknown;
    let previous: Deployment | undefined;
    let attempts = 0;
    for (let n = 0; n < maxAttempts; n++) {
      const pool =
        previous && deployments.length > 1
          ? deployments.filter((d) => d.id !== previous?.id)
          : deployments;
      const deployment =
        selectDeployment(pool, this.config.strategy, this.health, this.deps.random) ??
        selectDeployment(deployments, this.config.strategy, this.health, this.deps.random);
      if (!deployment) {
        lastError ??= new GatewayError(
          'no_healthy_deployment',
          `No deployments available for selected model, Try again in ${Math.ceil(this.config.cooldownMs / 1000)} seconds. Passed model=${group}. pre-call-checks=False, cooldown_list=${pythonList(deployments.filter((d) => this.health.isCoolingDown(d)).map((d) => d.id))}`,
          { headers: { 'retry-after': String(Math.ceil(this.config.cooldownMs / 1000)) } },
        );
        break;
      }
      attempts++;
      try {
        const value = await this.attemptDeployment(
          deployment,
          attempt,
          deployments.length,
          options,
        );
        return { value, deployment, group, retries: n, fallbacks: 0 };
      } catch (error: unknown) {
        lastError = error;
        if (
          !(error instanceof ProviderError) ||
          !RETRYABLE.has(error.kind) ||
          options.cancel.aborted
        )
          break;
        if (n + 1 >= maxAttempts) break;
        this.deps.onRetry?.(deployment, error);
        previous = deployment;
        const alternatives = deployments.some(
          (d) => d.id !== deployment.id && !this.health.isCoolingDown(d),
        );
        if (!alternatives) await this.deps.sleep(this.backoff(n, error), options.cancel);
        if (options.cancel.aborted) break;
      }
    }
    throw new RoutedFailure(lastError, Math.max(0, attempts - 1));
  }

  /**
   * The deployments whose provider and own budgets have money left. When every one is spent, the
   * group fails with LiteLLM's message (its fallbacks still apply).
   */
  private withinBudget(deployments: Deployment[]): Deployment[] {
    if (!this.deps.routeBudgets) return deployments;
    const { kept, crossed } = this.deps.routeBudgets.filter(deployments);
    if (kept.length > 0 || crossed.length === 0) return kept as Deployment[];
    throw new RoutedFailure(
      new GatewayError(
        'no_healthy_deployment',
        `No deployments available - crossed budget for provider: ${crossed.join('\n')}`,
      ),
      0,
    );
  }

  /** One deployment, with its own `max_retries` for retryable errors before the router moves on. */
  private async attemptDeployment<T>(
    d: Deployment,
    attempt: Attempt<T>,
    groupSize: number,
    options: RouteOptions,
  ): Promise<T> {
    const ownRetries = d.maxRetries ?? 0;
    for (let n = 0; ; n++) {
      this.health.begin(d);
      const started = Date.now();
      let held = false;
      try {
        const value = await attempt(d);
        this.health.recordSuccess(d, Date.now() - started);
        held = options.holdInFlight === true;
        return value;
      } catch (error: unknown) {
        if (error instanceof ProviderError && !options.cancel.aborted) {
          this.health.recordFailure(d, error.kind, groupSize);
          if (RETRYABLE.has(error.kind) && n < ownRetries) {
            await this.deps.sleep(this.backoff(n, error), options.cancel);
            if (!options.cancel.aborted) continue;
          }
        }
        throw error;
      } finally {
        if (!held) this.health.end(d);
      }
    }
  }

  private backoff(n: number, error: ProviderError): number {
    const retryAfter = error.details.retryAfterMs;
    const wait =
      retryAfter !== undefined
        ? Math.min(retryAfter, this.config.maxRetryAfterMs)
        : BASE_BACKOFF_MS * 2 ** n * (0.5 + (this.deps.random ?? Math.random)());
    return Math.max(wait, this.config.minRetryMs);
  }
}

/** Internal: a group failed after its retries; carries the last error. */
class RoutedFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly retries: number,
  ) {
    super('routing failed');
  }
}

/**
 * LiteLLM's tag-based routing: a request with tags goes to the deployments that have any of
 * them (all of them with `tag_filtering_match_any: false`); one without goes to the deployments
 * tagged `default`, or to all when none is. No deployment for the tags is the caller's error.
 */
function byTags(
  group: string,
  deployments: Deployment[],
  tags: readonly string[],
  { matchAny, storedTagsOf }: { matchAny: boolean; storedTagsOf: RouterDeps['storedTagsOf'] },
): Deployment[] {
  const tagsOf = (d: Deployment): readonly string[] => {
    const stored = storedTagsOf?.(group, d.id) ?? [];
    return stored.length === 0 ? (d.tags ?? []) : [...(d.tags ?? []), ...stored];
  };
  if (tags.length === 0) {
    const defaults = deployments.filter((d) => tagsOf(d).includes('default'));
    return defaults.length > 0 ? defaults : deployments;
  }
  const serving = deployments.filter((d) => {
    const own = tagsOf(d);
    return matchAny ? tags.some((t) => own.includes(t)) : tags.every((t) => own.includes(t));
  });
  if (serving.length === 0) {
    throw new RoutedFailure(
      new GatewayError(
        'bad_request',
        `Not allowed to access model due to tags configuration. Passed model=${group} and tags=${pythonList([...tags])}`,
      ),
      0,
    );
  }
  return serving;
}
