/**
 * Which gateway a resource lives in, resolved from its `connectionRef` on every reconcile (never
 * one client cached for all, so two instances never get mixed up and a rotated master key is
 * used on the next reconcile):
 * - instanceRef {name, namespace}: master key in the Secret `<name>-secrets`, data key
 *   `masterkey`; URL `http://<name>-service.<namespace>.svc.cluster.local` unless the operator
 *   was given a URL template (running outside the cluster, tests).
 * - secretRef {name, keys: {masterKey, url}}: both read from that Secret in the resource's
 *   namespace.
 * - secretRef {secretName, namespace} (the litellm.litellm.ai kinds' form): data keys `masterkey`
 *   and `url`, in that namespace or the resource's.
 */
import type { KubeClient } from './kube/kube-client.js';
import { SECRETS, type KubeObject } from './kube/kube-types.js';
import { GatewayTransport } from './gateway-transport.js';
import { ReconcileError } from './reconcile-error.js';

export interface ConnectionOptions {
  /**
   * URL of an instance's gateway, with `{name}` and `{namespace}` placeholders (LiteLLM
   * operator's LITELLM_URL_OVERRIDE is a template without placeholders).
   */
  instanceUrlTemplate?: string;
}

export interface ResolvedConnection {
  transport: GatewayTransport;
  /** The prefix of key Secret names: the instance name, or `litellm` with secretRef. */
  instance: string;
}

interface ConnectionRef {
  instanceRef?: { name: string; namespace?: string };
  secretRef?:
    | { name: string; keys: { masterKey: string; url: string } }
    | { secretName: string; namespace?: string };
}

export const DEFAULT_INSTANCE_URL = 'http://{name}-service.{namespace}.svc.cluster.local';

export async function resolveConnection(
  kube: KubeClient,
  object: KubeObject,
  options: ConnectionOptions,
): Promise<ResolvedConnection> {
  const ref = (object.spec?.connectionRef ?? {}) as ConnectionRef;
  const namespace = object.metadata.namespace ?? 'default';
  if (ref.instanceRef) {
    const instanceNamespace = ref.instanceRef.namespace ?? namespace;
    const name = ref.instanceRef.name;
    const masterKey = await secretValue(
      kube,
      { namespace: instanceNamespace, name: `${name}-secrets` },
      'masterkey',
    );
    const url = instanceUrl(options, { name, namespace: instanceNamespace });
    return { transport: new GatewayTransport(url, masterKey), instance: name };
  }
  if (ref.secretRef) {
    const { where, keys } =
      'secretName' in ref.secretRef
        ? {
            where: {
              namespace: ref.secretRef.namespace ?? namespace,
              name: ref.secretRef.secretName,
            },
            keys: { masterKey: 'masterkey', url: 'url' },
          }
        : { where: { namespace, name: ref.secretRef.name }, keys: ref.secretRef.keys };
    const masterKey = await secretValue(kube, where, keys.masterKey);
    const url = await secretValue(kube, where, keys.url);
    return {
      transport: new GatewayTransport(url.replace(/\/+$/, ''), masterKey),
      instance: 'litellm',
    };
  }
  throw new ReconcileError(
    'ConnectionError',
    'spec.connectionRef names neither instanceRef nor secretRef',
    false,
  );
}

/** Where an instance's gateway answers. */
export function instanceUrl(
  options: ConnectionOptions,
  instance: { name: string; namespace: string },
): string {
  return (options.instanceUrlTemplate ?? DEFAULT_INSTANCE_URL)
    .replaceAll('{name}', instance.name)
    .replaceAll('{namespace}', instance.namespace)
    .replace(/\/+$/, '');
}

export async function secretValue(
  kube: KubeClient,
  where: { namespace: string; name: string },
  key: string,
): Promise<string> {
  const secret = await kube.get(SECRETS, where.namespace, where.name);
  if (!secret)
    throw new ReconcileError(
      'ConnectionError',
      `Secret ${where.namespace}/${where.name} not found`,
    );
  const encoded = secret.data?.[key];
  const value = encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8').trim();
  if (value === '') {
    throw new ReconcileError(
      'ConnectionError',
      `Secret ${where.namespace}/${where.name} has no data key ${key}`,
    );
  }
  return value;
}
