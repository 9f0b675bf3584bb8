/**
 * `tollgate operator`: runs the Kubernetes operator. Inside a cluster it uses the pod's service
 * account; outside, --kube-url (e.g. `kubectl proxy` on http://127.0.0.1:8001) and
 * KUBERNETES_TOKEN. `env` is passed in by main.ts, the only module that reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { createLogger, logLevelFrom } from '../logger.js';
import type { KubeConnection } from './kube/kube-client.js';
import { KubeClient } from './kube/kube-client.js';
import { Operator } from './operator.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

type Env = Readonly<Record<string, string | undefined>>;

interface OperatorFlags {
  kubeUrl?: string;
  namespace?: string;
  instanceUrl?: string;
  resync: number;
  healthPort: number;
  leaseNamespace?: string;
  leaseName: string;
  workers: number;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

export function registerOperatorCommand(program: Command, env: Env): void {
  program
    .command('operator')
    .description(
      'run the Kubernetes operator: reconcile User, Team, TeamMemberAssociation, VirtualKey (auth.litellm.ai/v1alpha1) and Model resources against the gateway they name, and deploy LiteLLMInstance gateways (litellm.litellm.ai/v1alpha1)',
    )
    .option('--kube-url <url>', 'API server URL (default: in-cluster, or $KUBERNETES_API_URL)')
    .option('--namespace <ns>', 'watch this namespace only (default: all, or $WATCH_NAMESPACE)')
    .option(
      '--instance-url <template>',
      'URL of an instanceRef gateway, with {name} and {namespace} (default http://{name}-service.{namespace}.svc.cluster.local; $LITELLM_URL_OVERRIDE)',
    )
    .option(
      '--resync <seconds>',
      'look at every resource again this often (drift repair)',
      positive,
      60,
    )
    .option('--health-port <port>', '/healthz, /readyz and /metrics', positive, 8081)
    .option('--lease-namespace <ns>', 'namespace of the leader Lease (default: the pod namespace)')
    .option('--lease-name <name>', 'name of the leader Lease', 'tollgate-operator')
    .option('--workers <n>', 'resources reconciled at once', positive, 2)
    .action(async (flags: OperatorFlags) => {
      const logger = createLogger(logLevelFrom(env));
      const connection = kubeConnection(flags.kubeUrl ?? env.KUBERNETES_API_URL, env);
      const podNamespace = existsSync(`${SERVICE_ACCOUNT}/namespace`)
        ? readFileSync(`${SERVICE_ACCOUNT}/namespace`, 'utf8').trim()
        : 'default';
      const operator = new Operator({
        kube: new KubeClient(connection),
        logger,
        connection: { instanceUrlTemplate: flags.instanceUrl ?? env.LITELLM_URL_OVERRIDE },
        namespace: flags.namespace ?? env.WATCH_NAMESPACE,
        resyncMs: flags.resync * 1000,
        backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
        workers: flags.workers,
        lease: {
          namespace: flags.leaseNamespace ?? env.POD_NAMESPACE ?? podNamespace,
          name: flags.leaseName,
          identity: env.POD_NAME ?? hostname(),
          durationSeconds: 15,
          retryPeriodMs: 2000,
        },
        health: { port: flags.healthPort, host: '0.0.0.0' },
      });
      const { healthPort } = await operator.start();
      logger.info(`tollgate operator started; probes and metrics on :${healthPort}`);
      const stop = () => void operator.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}

function kubeConnection(url: string | undefined, env: Env): KubeConnection {
  if (url) return { url: url.replace(/\/+$/, ''), token: env.KUBERNETES_TOKEN };
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) {
    throw new InvalidArgumentError(
      'not in a cluster: pass --kube-url (e.g. http://127.0.0.1:8001 with `kubectl proxy`) or set KUBERNETES_API_URL',
    );
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
    tokenFile: `${SERVICE_ACCOUNT}/token`,
    ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`, 'utf8'),
  };
}
