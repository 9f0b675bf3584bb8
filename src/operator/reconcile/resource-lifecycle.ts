/**
 * What every kind's reconcile does the same way around its own gateway work: the finalizer put
 * on before anything is created and taken off after the gateway object is gone, and the status
 * written as fields plus the Ready / Progressing / Degraded conditions of one outcome (only when
 * something changed, so a resync of a healthy resource writes nothing).
 */
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject, ResourceType } from '../kube/kube-types.js';
import { ReconcileError } from '../reconcile-error.js';
import { conditionsFor, type Condition, type Outcome } from './resource-status.js';

/** The LiteLLM operator's finalizer and marker, so resources it managed carry over unchanged. */
export const FINALIZER = 'litellm-operator.litellm.ai/finalizer';
export const MANAGED_BY = 'litellm-operator';

export function target(object: KubeObject) {
  return { namespace: object.metadata.namespace ?? 'default', name: object.metadata.name };
}

/** Adds the finalizer; carries resourceVersion, so a concurrent change fails with 409 and is retried. */
export async function ensureFinalizer(
  kube: KubeClient,
  type: ResourceType,
  object: KubeObject,
  finalizer = FINALIZER,
): Promise<KubeObject> {
  if (object.metadata.finalizers?.includes(finalizer)) return object;
  return kube.mergePatch(type, target(object), {
    metadata: {
      finalizers: [...(object.metadata.finalizers ?? []), finalizer],
      resourceVersion: object.metadata.resourceVersion,
    },
  });
}

export async function releaseFinalizer(
  kube: KubeClient,
  type: ResourceType,
  object: KubeObject,
  finalizer = FINALIZER,
): Promise<void> {
  await kube.mergePatch(type, target(object), {
    metadata: {
      finalizers: (object.metadata.finalizers ?? []).filter((f) => f !== finalizer),
      resourceVersion: object.metadata.resourceVersion,
    },
  });
}

export async function writeStatus(
  ctx: { kube: KubeClient; now: () => Date },
  type: ResourceType,
  object: KubeObject,
  update: { outcome: Outcome } & Record<string, unknown>,
): Promise<void> {
  const { outcome, ...fields } = update;
  const previous = (object.status ?? {}) as Record<string, unknown>;
  const conditions = conditionsFor(outcome, (previous.conditions ?? []) as Condition[], {
    generation: object.metadata.generation,
    now: ctx.now().toISOString(),
  });
  const status = { ...fields, observedGeneration: object.metadata.generation, conditions };
  const changed = Object.entries(status).some(
    ([k, v]) => JSON.stringify(v) !== JSON.stringify(previous[k]),
  );
  if (!changed) return;
  await ctx.kube.mergePatch(type, { ...target(object), subresource: 'status' }, { status });
}

export function asReconcileError(error: unknown): ReconcileError {
  if (error instanceof ReconcileError) return error;
  return new ReconcileError('LitellmError', error instanceof Error ? error.message : String(error));
}
