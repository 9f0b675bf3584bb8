/**
 * LiteLLM's gauge of provider budgets (`router_settings.provider_budget_config`):
 *
 *   litellm_provider_remaining_budget_metric{api_provider}   budget_limit - spend
 *
 * read from the route budgets when /metrics is scraped (the current window's spend: stored, not
 * yet written and booked since), so the request path pays nothing for it.
 */
import { Gauge, type Registry } from 'prom-client';
import type { RouteBudgets } from '../spend/route-budgets.js';

export function registerProviderBudgetGauge(
  registry: Registry,
  budgets: Pick<RouteBudgets, 'providerView'>,
): void {
  new Gauge({
    name: 'litellm_provider_remaining_budget_metric',
    help: 'Budget left of a provider in provider_budget_config, USD, in its current window',
    labelNames: ['api_provider'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [provider, view] of Object.entries(budgets.providerView())) {
        this.set({ api_provider: provider }, view.budget_limit - view.spend);
      }
    },
  });
}
