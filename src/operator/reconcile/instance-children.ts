/**
 * What a LiteLLMInstance deploys, as the LiteLLM operator names it: the master key Secret
 * `<name>-secrets` (data key `masterkey`), the ConfigMap `<name>-config` with a `config.yaml`
 * both Tollgate and LiteLLM read, the Deployment `<name>-deployment` (port 4000) and the Service
 * `<name>-service` (port 80), plus the Ingress `<name>-ingress` when asked. Every child is owned
 * by the instance (deleted with it). Pure: no I/O.
 *
 * Credentials never enter the ConfigMap: model credentials and the database and Redis settings
 * reach the container as environment variables read from the Secrets the spec names, and the
 * config refers to them as `os.environ/NAME`.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { KubeObject } from '../kube/kube-types.js';
import { ReconcileError } from '../reconcile-error.js';
import { desiredModel } from './model-plan.js';

type Json = Record<string, unknown>;

export const PORT = 4000;
const CONFIG_DIR = '/etc/litellm';

export interface InstanceSpec {
  image: string;
  replicas: number;
  masterKey?: string;
  databaseSecretRef?: { nameRef: string; keys?: Record<string, string> };
  redisSecretRef?: { nameRef: string; keys?: Record<string, string> };
  ingress?: { enabled?: boolean; host?: string };
  models?: {
    modelName: string;
    identifier: string;
    requiresAuth?: boolean;
    modelCredentials?: { nameRef?: string; keys?: Record<string, string> };
    liteLLMParams?: Json;
  }[];
  extraEnvVars?: Json[];
}

export const childNames = (name: string) => ({
  secret: `${name}-secrets`,
  configMap: `${name}-config`,
  deployment: `${name}-deployment`,
  service: `${name}-service`,
  ingress: `${name}-ingress`,
});

const envName = (...parts: string[]) =>
  parts
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();

const fromSecret = (name: string, secret: string, key: string): Json => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key } },
});

/** The config.yaml and the environment it refers to; InvalidSpec for what cannot be deployed. */
export function renderConfig(instance: string, spec: InstanceSpec): { config: Json; env: Json[] } {
  const names = childNames(instance);
  const env: Json[] = [fromSecret('LITELLM_MASTER_KEY', names.secret, 'masterkey')];
  const problems: string[] = [];
  const seen = new Set<string>();
  const modelList = (spec.models ?? []).map((entry, i) => {
    const at = `spec.models[${i}]`;
    if (seen.has(entry.identifier))
      problems.push(`${at}.identifier: ${entry.identifier} is used twice`);
    seen.add(entry.identifier);
    let params: Json = {};
    try {
      params = desiredModel({
        modelName: entry.modelName,
        litellmParams: entry.liteLLMParams,
      }).litellmParams;
    } catch (error: unknown) {
      problems.push(`${at}: ${(error as Error).message.replaceAll('spec.', '')}`);
    }
    const credentials = entry.modelCredentials;
    const keys = Object.entries(credentials?.keys ?? {}).filter(([, dataKey]) => dataKey);
    if (credentials?.nameRef && keys.length === 0) {
      problems.push(`${at}.modelCredentials.keys: name the data keys of ${credentials.nameRef}`);
    }
    if (entry.requiresAuth && !credentials?.nameRef) {
      problems.push(`${at}.modelCredentials: requiresAuth is set but no Secret is named`);
    }
    for (const [param, dataKey] of keys) {
      const variable = envName('MODEL', entry.identifier, param);
      env.push(fromSecret(variable, credentials!.nameRef!, dataKey));
      params[param.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = `os.environ/${variable}`;
    }
    return {
      model_name: entry.modelName,
      litellm_params: params,
      model_info: { id: `${instance}-${entry.identifier}` },
    };
  });
  if (problems.length > 0) throw new ReconcileError('InvalidSpec', problems.join('; '), false);
  const config: Json = {
    model_list: modelList,
    general_settings: { master_key: 'os.environ/LITELLM_MASTER_KEY', store_model_in_db: true },
  };
  const db = spec.databaseSecretRef;
  if (db) {
    const keys = db.keys ?? {};
    const parts = [
      ['DATABASE_HOST', keys.hostSecret ?? 'host'],
      ['DATABASE_USERNAME', keys.usernameSecret ?? 'username'],
      ['DATABASE_PASSWORD', keys.passwordSecret ?? 'password'],
      ['DATABASE_NAME', keys.dbnameSecret ?? 'dbname'],
    ] as const;
    for (const [variable, key] of parts) env.push(fromSecret(variable, db.nameRef, key));
    env.push({
      name: 'DATABASE_URL',
      value:
        'postgresql://$(DATABASE_USERNAME):$(DATABASE_PASSWORD)@$(DATABASE_HOST)/$(DATABASE_NAME)',
    });
  }
  const redis = spec.redisSecretRef;
  if (redis) {
    const keys = redis.keys ?? {};
    env.push(fromSecret('REDIS_HOST', redis.nameRef, keys.hostSecret ?? 'host'));
    env.push(fromSecret('REDIS_PORT', redis.nameRef, keys.portSecret ?? 'port'));
    env.push(fromSecret('REDIS_PASSWORD', redis.nameRef, keys.passwordSecret ?? 'password'));
    config.router_settings = {
      redis_host: 'os.environ/REDIS_HOST',
      redis_port: 'os.environ/REDIS_PORT',
      redis_password: 'os.environ/REDIS_PASSWORD',
    };
  }
  return { config, env: [...env, ...(spec.extraEnvVars ?? [])] };
}

function owned(owner: KubeObject, name: string): KubeObject['metadata'] {
  return {
    name,
    labels: {
      'app.kubernetes.io/name': 'litellm',
      'app.kubernetes.io/instance': owner.metadata.name,
      'app.kubernetes.io/managed-by': 'tollgate-operator',
    },
    ownerReferences: [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

export function masterKeySecret(owner: KubeObject, masterKey: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: owned(owner, childNames(owner.metadata.name).secret),
    data: { masterkey: Buffer.from(masterKey, 'utf8').toString('base64') },
  };
}

export function configMap(owner: KubeObject, config: Json): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: owned(owner, childNames(owner.metadata.name).configMap),
    data: { 'config.yaml': stringify(config) },
  };
}

/**
 * The Deployment; `rollout` (a hash of the config and the master key Secret's version) is in the
 * pod template, so a changed config or a rotated master key restarts the pods.
 */
export function deployment(
  owner: KubeObject,
  spec: InstanceSpec,
  env: Json[],
  rollout: string,
): KubeObject {
  const names = childNames(owner.metadata.name);
  const selector = { 'app.kubernetes.io/instance': owner.metadata.name };
  const probe = (path: string, period: number) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: period,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: owned(owner, names.deployment),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...owned(owner, '').labels, ...selector },
          annotations: { 'litellm.litellm.ai/config-hash': rollout },
        },
        spec: {
          containers: [
            {
              name: 'litellm',
              image: spec.image,
              args: ['--config', `${CONFIG_DIR}/config.yaml`, '--port', String(PORT)],
              ports: [{ name: 'http', containerPort: PORT }],
              env,
              livenessProbe: probe('/health/liveliness', 10),
              readinessProbe: probe('/health/readiness', 5),
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: names.configMap } }],
        },
      },
    },
  };
}

export function service(owner: KubeObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: owned(owner, childNames(owner.metadata.name).service),
    spec: {
      selector: { 'app.kubernetes.io/instance': owner.metadata.name },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  };
}

export function ingress(owner: KubeObject, host: string | undefined): KubeObject {
  const names = childNames(owner.metadata.name);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: owned(owner, names.ingress),
    spec: {
      rules: [
        {
          ...(host && { host }),
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: names.service, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export const rolloutHash = (...parts: unknown[]) =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

/**
 * Whether `actual` already holds everything `wanted` says (objects: every key; lists: same length,
 * item by item), so fields the API server adds as defaults never count as drift.
 */
export function covers(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(actual) &&
      actual.length === wanted.length &&
      wanted.every((w, i) => covers(actual[i], w))
    );
  }
  if (wanted && typeof wanted === 'object') {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(wanted as Json).every(([k, w]) =>
      w === undefined ? true : covers((actual as Json)[k], w),
    );
  }
  return actual === wanted;
}
