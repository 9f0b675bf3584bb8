/**
 * LiteLLM's gauges of a provider's own rate limits, read from the `x-ratelimit-remaining-requests`
 * and `x-ratelimit-remaining-tokens` headers of its answers (OpenAI, Azure, Groq and others send
 * them):
 *
 *   litellm_remaining_requests_metric{model_group, api_provider, api_base, litellm_model_name}
 *   litellm_remaining_tokens_metric{...}
 *
 * how close each deployment is to its provider's limit, as of its last answer. Answers without the
 * headers cost two property reads.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Deployment } from '../contracts/deployment.js';

const LABELS = ['model_group', 'api_provider', 'api_base', 'litellm_model_name'] as const;

export class UpstreamLimits {
  private readonly requests: Gauge<(typeof LABELS)[number]>;
  private readonly tokens: Gauge<(typeof LABELS)[number]>;

  constructor(registry: Registry) {
    this.requests = new Gauge({
      name: 'litellm_remaining_requests_metric',
      help: "Requests left in the provider's rate limit window (x-ratelimit-remaining-requests)",
      labelNames: LABELS,
      registers: [registry],
    });
    this.tokens = new Gauge({
      name: 'litellm_remaining_tokens_metric',
      help: "Tokens left in the provider's rate limit window (x-ratelimit-remaining-tokens)",
      labelNames: LABELS,
      registers: [registry],
    });
  }

  /** Notes the remaining requests and tokens an upstream answer reports, if it reports them. */
  observe(d: Deployment, headers: Readonly<Record<string, string>>): void {
    const requests = headers['x-ratelimit-remaining-requests'];
    const tokens = headers['x-ratelimit-remaining-tokens'];
    if (requests === undefined && tokens === undefined) return;
    const labels = {
      model_group: d.modelName,
      api_provider: d.provider,
      api_base: d.apiBase ?? '',
      litellm_model_name: `${d.provider}/${d.model}`,
    };
    const r = Number(requests);
    if (requests !== undefined && Number.isFinite(r)) this.requests.set(labels, r);
    const t = Number(tokens);
    if (tokens !== undefined && Number.isFinite(t)) this.tokens.set(labels, t);
  }
}
