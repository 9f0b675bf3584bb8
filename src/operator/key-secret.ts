/**
 * The Secret holding a key the gateway disclosed once: `<instance>-key-<keyAlias>`, data key
 * `key`, owned by the resource (garbage-collected with it). Written only with a non-empty key,
 * so a reconcile can never reset it.
 */
import type { KubeClient } from './kube/kube-client.js';
import { isConflict, SECRETS, type KubeObject } from './kube/kube-types.js';
import { ReconcileError } from './reconcile-error.js';

export async function writeKeySecret(
  kube: KubeClient,
  owner: KubeObject,
  secret: { name: string; key: string },
): Promise<void> {
  if (secret.key === '') return;
  const namespace = owner.metadata.namespace ?? 'default';
  const data = { key: Buffer.from(secret.key, 'utf8').toString('base64') };
  const ownerReferences = [
    {
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.metadata.name,
      uid: owner.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  try {
    try {
      await kube.create(SECRETS, namespace, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: secret.name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'tollgate-operator' },
          ownerReferences,
        },
        data,
      });
    } catch (error: unknown) {
      if (!isConflict(error)) throw error;
      await kube.mergePatch(
        SECRETS,
        { namespace, name: secret.name },
        { metadata: { ownerReferences }, data },
      );
    }
  } catch (error: unknown) {
    throw new ReconcileError(
      'SecretError',
      `cannot write Secret ${namespace}/${secret.name}: ${(error as Error).message}`,
    );
  }
}
