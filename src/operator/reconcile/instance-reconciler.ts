/**
 * Reconciles a LiteLLMInstance: deploys its gateway (instance-children.ts), puts back any child
 * that was changed or deleted, then checks the gateway the way every resource naming it in
 * `connectionRef.instanceRef` will reach it — the URL, with the master key of `<name>-secrets` —
 * and reports Ready, Progressing (`Deploying`: not answering while the Deployment is not
 * available yet) or Degraded (`ConnectionError`, `Unauthorized`, `InvalidSpec`, ...).
 *
 * The master key is `spec.masterKey`, or one generated once and kept in the Secret: a reconcile
 * never replaces a key the gateway already uses with a new random one.
 */
import { randomUUID } from 'node:crypto';
import { instanceUrl, type ConnectionOptions } from '../connection.js';
import type { EventRecorder } from '../event-recorder.js';
import { GatewayTransport } from '../gateway-transport.js';
import type { KubeClient } from '../kube/kube-client.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  INGRESSES,
  SECRETS,
  SERVICES,
  type KubeObject,
  type ResourceType,
} from '../kube/kube-types.js';
import { ReconcileError } from '../reconcile-error.js';
import {
  childNames,
  configMap,
  covers,
  deployment,
  ingress,
  masterKeySecret,
  renderConfig,
  rolloutHash,
  service,
  type InstanceSpec,
} from './instance-children.js';
import { asReconcileError, target, writeStatus } from './resource-lifecycle.js';

export interface InstanceReconcileContext {
  kube: KubeClient;
  events: EventRecorder;
  connection: ConnectionOptions;
  now: () => Date;
}

type Json = Record<string, unknown>;

export async function reconcileInstance(
  ctx: InstanceReconcileContext,
  type: ResourceType,
  object: KubeObject,
): Promise<void> {
  // Children are owned by the instance: the API server's garbage collector deletes them with it.
  if (object.metadata.deletionTimestamp) return;
  const spec = object.spec as unknown as InstanceSpec;
  const namespace = target(object).namespace;
  const url = instanceUrl(ctx.connection, { name: object.metadata.name, namespace });
  const previous = (object.status ?? {}) as Json;
  const created: Json = {};
  let deployed: KubeObject | undefined;
  try {
    const { config, env } = renderConfig(object.metadata.name, spec);
    const masterKey = await chooseMasterKey(ctx.kube, object);
    const changes: string[] = [];
    const put = async (childType: ResourceType, child: KubeObject, flag: string) => {
      const result = await ensureChild(ctx.kube, childType, namespace, child);
      created[flag] = true;
      if (result.action) changes.push(`${result.action} ${child.kind} ${child.metadata.name}`);
      return result.object;
    };
    const secret = await put(SECRETS, masterKeySecret(object, masterKey), 'secretCreated');
    await put(CONFIG_MAPS, configMap(object, config), 'configMapCreated');
    const rollout = rolloutHash(config, secret.metadata.resourceVersion);
    deployed = await put(DEPLOYMENTS, deployment(object, spec, env, rollout), 'deploymentCreated');
    await put(SERVICES, service(object), 'serviceCreated');
    if (spec.ingress?.enabled)
      await put(INGRESSES, ingress(object, spec.ingress.host), 'ingressCreated');
    else created.ingressCreated = false;
    if (changes.length > 0) {
      await ctx.events.record(object, {
        type: 'Normal',
        reason: previous.deploymentCreated ? 'Updated' : 'Created',
        message: changes.join(', '),
      });
    }
    await verifyGateway(url, masterKey, deployed);
    await writeStatus(ctx, type, object, {
      ...created,
      url,
      lastUpdated: changes.length > 0 ? ctx.now().toISOString() : previous.lastUpdated,
      outcome: { ok: true, message: `the gateway answers at ${url} with the master key` },
    });
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    await writeStatus(ctx, type, object, {
      ...created,
      url,
      outcome: {
        ok: false,
        reason: failure.reason,
        message: failure.message,
        progressing: failure.reason === 'Deploying',
      },
    });
    if (failure.reason !== 'Deploying') {
      await ctx.events.record(object, {
        type: 'Warning',
        reason: failure.reason,
        message: failure.message,
      });
    }
    throw failure;
  }
}

/** spec.masterKey; else the key already in the Secret; else a new one, generated once. */
async function chooseMasterKey(kube: KubeClient, object: KubeObject): Promise<string> {
  const wanted = String(object.spec?.masterKey ?? '').trim();
  if (wanted !== '') return wanted;
  const name = childNames(object.metadata.name).secret;
  const existing = await kube.get(SECRETS, target(object).namespace, name);
  const kept = Buffer.from(existing?.data?.masterkey ?? '', 'base64')
    .toString('utf8')
    .trim();
  return kept !== '' ? kept : `sk-${randomUUID()}`;
}

/** Creates the child, or patches it back when it no longer holds what the instance wants. */
async function ensureChild(
  kube: KubeClient,
  type: ResourceType,
  namespace: string,
  wanted: KubeObject,
): Promise<{ object: KubeObject; action?: 'created' | 'updated' }> {
  try {
    const existing = await kube.get(type, namespace, wanted.metadata.name);
    if (!existing) {
      return { object: await kube.create(type, namespace, wanted), action: 'created' };
    }
    const { metadata, ...content } = wanted;
    const desired = {
      ...content,
      metadata: { labels: metadata.labels, ownerReferences: metadata.ownerReferences },
    };
    if (covers(existing, desired)) return { object: existing };
    return {
      object: await kube.mergePatch(type, { namespace, name: metadata.name }, desired),
      action: 'updated',
    };
  } catch (error: unknown) {
    if (error instanceof ReconcileError) throw error;
    throw new ReconcileError(
      'DeployFailed',
      `cannot write ${wanted.kind} ${namespace}/${wanted.metadata.name}: ${(error as Error).message}`,
    );
  }
}

/** The call every resource naming this instance will make: the URL, with the master key. */
async function verifyGateway(url: string, masterKey: string, deployed: KubeObject): Promise<void> {
  try {
    await new GatewayTransport(url, masterKey).call('GET', '/model/info');
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    const status = (deployed.status ?? {}) as { availableReplicas?: number };
    const wanted = Number((deployed.spec as Json | undefined)?.replicas ?? 1);
    if (
      failure.reason === 'ConnectionError' &&
      (status.availableReplicas ?? 0) < Math.max(wanted, 1)
    ) {
      throw new ReconcileError(
        'Deploying',
        `waiting for the gateway: Deployment ${deployed.metadata.name} has ${status.availableReplicas ?? 0} of ${wanted} replicas available (${failure.message})`,
      );
    }
    throw failure;
  }
}
