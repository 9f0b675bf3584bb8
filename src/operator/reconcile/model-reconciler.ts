/**
 * Reconciles a Model (litellm.litellm.ai/v1alpha1) through the gateway's admin API: `/model/info`
 * to observe, `/model/new`, `/model/update` and `/model/delete` to act. Same lifecycle as the auth
 * kinds: connection resolved per reconcile, finalizer first, deletion before anything else,
 * adopted models released rather than deleted, conditions and Events. Provider credentials come
 * from the `modelSecretRef` Secret and go only to the gateway: never into status, Events or logs.
 */
import { resolveConnection, type ConnectionOptions } from '../connection.js';
import type { EventRecorder } from '../event-recorder.js';
import type { GatewayTransport } from '../gateway-transport.js';
import type { KubeClient } from '../kube/kube-client.js';
import { SECRETS, type KubeObject, type ResourceType } from '../kube/kube-types.js';
import { ReconcileError } from '../reconcile-error.js';
import {
  appliedHash,
  createBody,
  credentialParams,
  desiredModel,
  findModel,
  gatewayHash,
  isManaged,
  modelIdOf,
  modelKey,
  redact,
  updateBody,
  type DesiredModel,
  type GatewayModel,
} from './model-plan.js';
import {
  asReconcileError,
  ensureFinalizer,
  FINALIZER,
  MANAGED_BY,
  releaseFinalizer,
  writeStatus,
} from './resource-lifecycle.js';

export interface ModelReconcileContext {
  kube: KubeClient;
  events: EventRecorder;
  connection: ConnectionOptions;
  now: () => Date;
}

type Json = Record<string, unknown>;

export async function reconcileModel(
  ctx: ModelReconcileContext,
  type: ResourceType,
  object: KubeObject,
): Promise<void> {
  if (object.metadata.deletionTimestamp) {
    await finalize(ctx, type, object);
    return;
  }
  let credentials: Json = {};
  try {
    const desired = desiredModel(object.spec);
    object = await ensureFinalizer(ctx.kube, type, object);
    const secret = await credentialsSecret(ctx.kube, object);
    credentials = credentialParams(secret.data);
    const { transport } = await resolveConnection(ctx.kube, object, ctx.connection);
    const status = await applyModel(ctx, object, transport, {
      desired,
      credentials,
      credentialsVersion: secret.metadata.resourceVersion ?? '',
    });
    await writeStatus(ctx, type, object, {
      ...status,
      outcome: { ok: true, message: `model ${desired.modelName} is in the desired state` },
    });
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    const message = redact(failure.message, credentials);
    await writeStatus(ctx, type, object, {
      outcome: { ok: false, reason: failure.reason, message },
    });
    await ctx.events.record(object, { type: 'Warning', reason: failure.reason, message });
    throw new ReconcileError(failure.reason, message, failure.retry);
  }
}

async function applyModel(
  ctx: ModelReconcileContext,
  object: KubeObject,
  transport: GatewayTransport,
  wanted: { desired: DesiredModel; credentials: Json; credentialsVersion: string },
): Promise<Json> {
  const { desired, credentials } = wanted;
  const previous = (object.status ?? {}) as Json;
  const applied = appliedHash(desired, wanted.credentialsVersion);
  let current = findModel(
    await gatewayModels(transport),
    desired,
    previous.modelId as string | undefined,
  );
  let event: { reason: string; message: string } | undefined;
  if (!current) {
    const answer = (await transport.call('POST', '/model/new', {
      body: createBody(desired, credentials, MANAGED_BY),
    })) as Json | undefined;
    const id = String(answer?.model_id ?? (answer?.model_info as Json | undefined)?.id ?? '');
    current = (await gatewayModels(transport)).find((m) => modelIdOf(m) === id);
    if (!current)
      throw new ReconcileError('LitellmError', `model ${id} not found after /model/new`);
    event = { reason: 'Created', message: `created model ${desired.modelName} (id ${id})` };
  } else {
    const why = reasonsToWrite(current, previous, applied);
    if (why.length > 0) {
      await transport.call('POST', '/model/update', {
        body: updateBody(desired, credentials, current),
      });
      const id = modelIdOf(current);
      current = (await gatewayModels(transport)).find((m) => modelIdOf(m) === id) ?? current;
      const adopted = previous.modelId !== id && !isManaged(current, MANAGED_BY);
      event = {
        reason: adopted ? 'Adopted' : 'Updated',
        message: `${adopted ? 'adopted and ' : ''}updated model ${desired.modelName} (id ${id}): ${why.join(', ')}`,
      };
    }
  }
  if (event) await ctx.events.record(object, { type: 'Normal', ...event });
  return {
    modelName: desired.modelName,
    modelId: modelIdOf(current),
    litellmParams: {
      model: modelKey(desired.litellmParams),
      provider: modelKey(desired.litellmParams).split('/')[0],
    },
    adopted: !isManaged(current, MANAGED_BY),
    appliedHash: applied,
    gatewayHash: gatewayHash(current),
    lastUpdated: event ? ctx.now().toISOString() : previous.lastUpdated,
  };
}

/** Why a model that exists must be written again; empty when it already matches. */
function reasonsToWrite(current: GatewayModel, previous: Json, applied: string): string[] {
  const why: string[] = [];
  if (previous.modelId !== modelIdOf(current)) why.push('bound to this resource');
  else {
    if (previous.appliedHash !== applied) why.push('spec or credentials changed');
    if (previous.gatewayHash !== gatewayHash(current)) why.push('changed in the gateway');
  }
  return why;
}

async function finalize(
  ctx: ModelReconcileContext,
  type: ResourceType,
  object: KubeObject,
): Promise<void> {
  if (!object.metadata.finalizers?.includes(FINALIZER)) return;
  try {
    const desired = desiredModel(object.spec);
    const { transport } = await resolveConnection(ctx.kube, object, ctx.connection);
    const previous = (object.status ?? {}) as Json;
    const current = findModel(
      await gatewayModels(transport),
      desired,
      previous.modelId as string | undefined,
    );
    if (current && !isManaged(current, MANAGED_BY)) {
      await ctx.events.record(object, {
        type: 'Normal',
        reason: 'Released',
        message: `model ${desired.modelName} (id ${modelIdOf(current)}) existed before this resource (adopted): left in the gateway`,
      });
    } else if (current) {
      await transport.call('POST', '/model/delete', { body: { id: modelIdOf(current) } });
      await ctx.events.record(object, {
        type: 'Normal',
        reason: 'Deleted',
        message: `deleted model ${desired.modelName} (id ${modelIdOf(current)}) from the gateway`,
      });
    }
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    // An invalid spec never named anything in the gateway; an ambiguous one is not deleted blindly.
    if (failure.reason !== 'InvalidSpec' && failure.reason !== 'ConfigError') {
      const message = `cannot delete from the gateway (${failure.reason}): ${failure.message}`;
      await ctx.events.record(object, { type: 'Warning', reason: 'DeleteFailed', message });
      throw new ReconcileError('DeleteFailed', message);
    }
  }
  await releaseFinalizer(ctx.kube, type, object);
}

async function gatewayModels(transport: GatewayTransport): Promise<GatewayModel[]> {
  const answer = (await transport.call('GET', '/model/info')) as { data?: unknown } | undefined;
  return Array.isArray(answer?.data) ? (answer.data as GatewayModel[]) : [];
}

/** The Secret of provider credentials (`modelSecretRef`), in its namespace or the Model's. */
async function credentialsSecret(kube: KubeClient, object: KubeObject): Promise<KubeObject> {
  const ref = (object.spec?.modelSecretRef ?? {}) as { secretName?: string; namespace?: string };
  const namespace = ref.namespace ?? object.metadata.namespace ?? 'default';
  if (!ref.secretName) {
    throw new ReconcileError('InvalidSpec', 'spec.modelSecretRef.secretName: required', false);
  }
  const secret = await kube.get(SECRETS, namespace, ref.secretName);
  if (!secret) {
    throw new ReconcileError(
      'SecretError',
      `credentials Secret ${namespace}/${ref.secretName} (modelSecretRef) not found`,
    );
  }
  return secret;
}
