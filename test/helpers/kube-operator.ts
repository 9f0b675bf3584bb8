/**
 * The operator under test: the API server double, a KubeClient on it, and an Operator with short
 * resync, backoff and lease timings. `waitFor` polls until a condition holds (bounded), since the
 * operator acts asynchronously; no test asserts on how long anything took.
 */
import { createLogger } from '../../src/logger.js';
import { KubeClient } from '../../src/operator/kube/kube-client.js';
import { Operator } from '../../src/operator/operator.js';
import { KubeApiDouble } from './kube-api-double.js';

export interface OperatorHarness {
  double: KubeApiDouble;
  kube: KubeClient;
  operator: Operator;
  startAnother(identity: string): Promise<Operator>;
  close(): Promise<void>;
}

export async function startOperatorHarness(instanceUrlTemplate: string): Promise<OperatorHarness> {
  const double = await KubeApiDouble.start();
  const kube = new KubeClient({ url: double.url, token: 'test-token' });
  const operators: Operator[] = [];
  const startOperator = async (identity: string) => {
    const operator = new Operator({
      kube,
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
      connection: { instanceUrlTemplate },
      resyncMs: 300,
      backoff: { baseMs: 50, maxMs: 400 },
      workers: 2,
      lease: {
        namespace: 'operators',
        name: 'tollgate-operator',
        identity,
        durationSeconds: 5,
        retryPeriodMs: 100,
      },
      health: { port: 0, host: '127.0.0.1' },
    });
    operators.push(operator);
    await operator.start();
    return operator;
  };
  const operator = await startOperator('replica-a');
  return {
    double,
    kube,
    operator,
    startAnother: startOperator,
    close: async () => {
      await Promise.all(operators.map((o) => o.close()));
      await double.close();
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error: unknown) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
