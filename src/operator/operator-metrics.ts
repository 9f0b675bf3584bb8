/** The operator's Prometheus metrics, in a registry of its own (no global state). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'tollgate_operator_reconcile_total',
    help: 'Reconciles by kind and result (success, or the failure reason)',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'tollgate_operator_reconcile_duration_seconds',
    help: 'Time one reconcile took, by kind',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'tollgate_operator_queue_depth',
    help: 'Resources waiting in the work queue',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'tollgate_operator_leader',
    help: '1 while this replica holds the leader lease',
    registers: [this.registry],
  });
}
