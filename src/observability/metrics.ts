/**
 * Prometheus metrics, named as LiteLLM names them so existing dashboards keep working. One
 * registry per gateway instance (no global state), served at /metrics. The request path's
 * counters and histograms are the cheap labelled ones (labelled-metrics.ts); prom-client formats
 * them, with its process metrics, when /metrics is read.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { LabelledCounter as Counter, LabelledHistogram as Histogram } from './labelled-metrics.js';
import { UpstreamLimits } from './upstream-limits.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'model' | 'route' | 'status_code'>;
  failedRequests: Counter<'model' | 'route' | 'exception_class' | 'status_code'>;
  totalLatency: Histogram<'model' | 'route'>;
  upstreamLatency: Histogram<'model' | 'model_id' | 'api_provider'>;
  timeToFirstToken: Histogram<'model' | 'model_id' | 'api_provider'>;
  inputTokens: Counter<'model' | 'model_id'>;
  outputTokens: Counter<'model' | 'model_id'>;
  totalTokens: Counter<'model' | 'model_id'>;
  deploymentSuccess: Counter<'model' | 'model_id' | 'api_provider'>;
  deploymentFailure: Counter<'model' | 'model_id' | 'api_provider' | 'exception_class'>;
  deploymentCooledDown: Counter<'model' | 'model_id' | 'api_provider' | 'reason'>;
  retries: Counter<'model' | 'model_id'>;
  fallbacks: Counter<'model'>;
  /** The response cache (`litellm_settings.cache`): answers kept and given, by model group. */
  cacheHits: Counter<'model'>;
  cacheMisses: Counter<'model'>;
  cachedTokens: Counter<'model'>;
  /** USD booked per model group, key, team, user and end user. */
  spend: Counter<'model' | 'hashed_api_key' | 'api_key_alias' | 'team' | 'team_alias' | 'user'>;
  /** The providers' own remaining rate limits, from their answers' headers. */
  upstreamLimits: UpstreamLimits;
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    upstreamLimits: new UpstreamLimits(registry),
    requests: new Counter({
      name: 'litellm_proxy_total_requests_metric',
      help: 'Requests to the proxy, by model group, route and status code',
      labelNames: ['model', 'route', 'status_code'],
      registers,
    }),
    failedRequests: new Counter({
      name: 'litellm_proxy_failed_requests_metric',
      help: 'Failed requests, by model group, route and error class',
      labelNames: ['model', 'route', 'exception_class', 'status_code'],
      registers,
    }),
    totalLatency: new Histogram({
      name: 'litellm_request_total_latency_metric',
      help: 'Total time of a request through the gateway, seconds',
      labelNames: ['model', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    upstreamLatency: new Histogram({
      name: 'litellm_llm_api_latency_metric',
      help: 'Time spent waiting for the upstream provider, seconds',
      labelNames: ['model', 'model_id', 'api_provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'litellm_llm_api_time_to_first_token_metric',
      help: 'Time to the first streamed chunk from the upstream, seconds',
      labelNames: ['model', 'model_id', 'api_provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inputTokens: new Counter({
      name: 'litellm_input_tokens_metric',
      help: 'Prompt tokens',
      labelNames: ['model', 'model_id'],
      registers,
    }),
    outputTokens: new Counter({
      name: 'litellm_output_tokens_metric',
      help: 'Completion tokens',
      labelNames: ['model', 'model_id'],
      registers,
    }),
    totalTokens: new Counter({
      name: 'litellm_total_tokens_metric',
      help: 'Prompt plus completion tokens',
      labelNames: ['model', 'model_id'],
      registers,
    }),
    deploymentSuccess: new Counter({
      name: 'litellm_deployment_success_responses',
      help: 'Successful upstream calls per deployment',
      labelNames: ['model', 'model_id', 'api_provider'],
      registers,
    }),
    deploymentFailure: new Counter({
      name: 'litellm_deployment_failure_responses',
      help: 'Failed upstream calls per deployment',
      labelNames: ['model', 'model_id', 'api_provider', 'exception_class'],
      registers,
    }),
    deploymentCooledDown: new Counter({
      name: 'litellm_deployment_cooled_down',
      help: 'Times a deployment was put in cooldown',
      labelNames: ['model', 'model_id', 'api_provider', 'reason'],
      registers,
    }),
    retries: new Counter({
      name: 'litellm_deployment_retries_total',
      help: 'Retried upstream calls',
      labelNames: ['model', 'model_id'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'litellm_deployment_fallbacks_total',
      help: 'Requests served by a fallback model group',
      labelNames: ['model'],
      registers,
    }),
    cacheHits: new Counter({
      name: 'litellm_cache_hits_metric',
      help: 'Calls answered from the response cache',
      labelNames: ['model'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'litellm_cache_misses_metric',
      help: 'Calls that looked in the response cache and found no answer',
      labelNames: ['model'],
      registers,
    }),
    cachedTokens: new Counter({
      name: 'litellm_cached_tokens_metric',
      help: 'Tokens of the answers given from the response cache',
      labelNames: ['model'],
      registers,
    }),
    spend: new Counter({
      name: 'litellm_spend_metric',
      help: 'Spend on LLM requests, USD, as booked',
      labelNames: ['model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', 'user'],
      registers,
    }),
  };
}
