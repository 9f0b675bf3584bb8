import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { LabelledCounter, LabelledHistogram } from './labelled-metrics.js';

const BUCKETS = [0.005, 0.01, 0.1, 1, 10];

/** The same metrics twice: prom-client's own, and ours, each in a registry of its own. */
function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const counter = (registers: Registry[]) => ({
    name: 'requests_metric',
    help: 'Requests, by model, route and status',
    labelNames: ['model', 'route', 'status_code'] as const,
    registers,
  });
  const histogram = (registers: Registry[]) => ({
    name: 'latency_metric',
    help: 'Latency "seconds"\\n',
    labelNames: ['model', 'model_id', 'api_provider'] as const,
    buckets: BUCKETS,
    registers,
  });
  return {
    theirs,
    ours,
    counters: [new Counter(counter([theirs])), new LabelledCounter(counter([ours]))] as const,
    histograms: [
      new Histogram(histogram([theirs])),
      new LabelledHistogram(histogram([ours])),
    ] as const,
  };
}

test('the exposition is prom-client’s, byte for byte: names, label order, values, buckets', async () => {
  const { theirs, ours, counters, histograms } = pair();
  for (const c of counters) {
    c.inc({ model: 'gpt', route: '/v1/chat/completions', status_code: '200' });
    c.inc({ model: 'gpt', route: '/v1/chat/completions', status_code: '200' }, 2.5);
    // The label order of a series is that of its first update; 500 and "500" are one series.
    c.inc({ status_code: 500, model: 'gpt', route: '/v1/embeddings' });
    c.inc({ model: 'gpt', route: '/v1/embeddings', status_code: '500' }, 0);
    c.inc({ model: 'other', route: '/v1/chat/completions', status_code: '200' }, 0);
    c.inc({ model: 'we"ird\\name\n', route: '/x', status_code: '200' });
  }
  for (const h of histograms) {
    for (const value of [0, 0.005, 0.0051, 0.7, 10, 11, 1e9]) {
      h.observe({ model: 'gpt', model_id: 'dep-1', api_provider: 'openai' }, value);
    }
    h.observe({ model: 'gpt', model_id: 'dep-2', api_provider: 'azure' }, 0.02);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());

  theirs.resetMetrics();
  ours.resetMetrics();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('a value that is not a number, or a counter going down, is refused', () => {
  const { counters, histograms } = pair();
  const labels = { model: 'gpt', route: '/r', status_code: '200' };
  assert.throws(() => counters[1].inc(labels, -1), /decrease/);
  assert.throws(() => counters[1].inc(labels, Infinity), /not a valid number/);
  assert.throws(
    () => histograms[1].observe({ model: 'gpt', model_id: 'd', api_provider: 'p' }, NaN),
    /not a valid number/,
  );
});
