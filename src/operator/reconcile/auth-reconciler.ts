/**
 * Reconciles one User, Team, TeamMemberAssociation or VirtualKey through the same core as
 * `tollgate apply`: observe the gateway, plan with the resource as the only manifest (plus the
 * Team and User an association names), run only this resource's steps. Deletion comes first and
 * never waits for other resources; objects adopted from the gateway are released, not deleted.
 */
import { executePlan } from '../../reconcile/execute.js';
import type { Manifest } from '../../reconcile/manifest-schema.js';
import { observe, type Observed } from '../../reconcile/observe.js';
import { planChanges, type Step } from '../../reconcile/plan.js';
import { resolveConnection, type ConnectionOptions } from '../connection.js';
import type { EventRecorder } from '../event-recorder.js';
import { writeKeySecret } from '../key-secret.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject, ResourceType } from '../kube/kube-types.js';
import { ReconcileError } from '../reconcile-error.js';
import { membershipParties, toManifest, type Referenced } from './resource-manifests.js';
import {
  asReconcileError,
  ensureFinalizer,
  FINALIZER,
  MANAGED_BY,
  releaseFinalizer,
  writeStatus,
} from './resource-lifecycle.js';
import { boundObject, isManagedBy, membershipStatus, statusFields } from './resource-status.js';

export { FINALIZER, MANAGED_BY };

export interface AuthReconcileContext {
  kube: KubeClient;
  events: EventRecorder;
  connection: ConnectionOptions;
  types: Referenced;
  now: () => Date;
}

export async function reconcileAuthResource(
  ctx: AuthReconcileContext,
  type: ResourceType,
  object: KubeObject,
): Promise<void> {
  if (object.metadata.deletionTimestamp) {
    await finalize(ctx, type, object);
    return;
  }
  try {
    const manifest = toManifest(object);
    object = await ensureFinalizer(ctx.kube, type, object);
    const status = await applyResource(ctx, object, manifest);
    await writeStatus(ctx, type, object, {
      ...status,
      outcome: { ok: true, message: `${object.kind} is in the desired state` },
    });
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    await writeStatus(ctx, type, object, {
      outcome: { ok: false, reason: failure.reason, message: failure.message },
    });
    await ctx.events.record(object, {
      type: 'Warning',
      reason: failure.reason,
      message: failure.message,
    });
    throw failure;
  }
}

async function applyResource(
  ctx: AuthReconcileContext,
  object: KubeObject,
  manifest: Manifest,
): Promise<Record<string, unknown>> {
  const manifests = await manifestsFor(ctx, object, manifest, false);
  const { transport, instance } = await resolveConnection(ctx.kube, object, ctx.connection);
  let observed = await observe(transport);
  const steps = ownSteps(manifests!, observed, manifest, 'apply');
  const step = steps[0];
  if (manifest.kind === 'TeamMemberAssociation' && step?.action === 'create') {
    const [team, user] = manifests!;
    if (!boundObject(team!, observed))
      throw new ReconcileError(
        'DependencyNotReady',
        `team ${describe(team!)} does not exist in the gateway yet`,
      );
    if (!boundObject(user!, observed))
      throw new ReconcileError(
        'DependencyNotReady',
        `user ${describe(user!)} does not exist in the gateway yet`,
      );
  }
  const secrets = await executePlan(transport, { steps, warnings: [], errors: [] }, observed);
  const previous = (object.status ?? {}) as Record<string, unknown>;
  let keySecretRef = previous.keySecretRef as string | undefined;
  for (const secret of secrets) {
    // The planner names the Secret after the instance; `instance` is what the operator resolved.
    const name = `${instance}-key-${secret.keyAlias}`;
    await writeKeySecret(ctx.kube, object, { name, key: secret.key });
    keySecretRef = name;
  }
  if (step && step.action !== 'unchanged') {
    await ctx.events.record(object, {
      type: 'Normal',
      reason: eventReason(step),
      message: summary(step),
    });
    observed = await observe(transport);
  }
  if (manifest.kind === 'TeamMemberAssociation')
    return membershipStatus(manifests![0]!, manifests![1]!, observed);
  const fields = statusFields(manifest, boundObject(manifest, observed), MANAGED_BY);
  return manifest.kind === 'Team' ? fields : { ...fields, keySecretRef };
}

async function finalize(
  ctx: AuthReconcileContext,
  type: ResourceType,
  object: KubeObject,
): Promise<void> {
  if (!object.metadata.finalizers?.includes(FINALIZER)) return;
  try {
    const manifest = toManifest(object);
    const manifests = await manifestsFor(ctx, object, manifest, true);
    if (manifests) {
      const { transport } = await resolveConnection(ctx.kube, object, ctx.connection);
      const observed = await observe(transport);
      const bound = boundObject(manifest, observed);
      if (manifest.kind !== 'TeamMemberAssociation' && bound && !isManagedBy(bound, MANAGED_BY)) {
        await ctx.events.record(object, {
          type: 'Normal',
          reason: 'Released',
          message: `${describe(manifest)} existed before this resource (adopted): left in the gateway`,
        });
      } else {
        const steps = ownSteps(manifests, observed, manifest, 'delete');
        await executePlan(transport, { steps, warnings: [], errors: [] }, observed);
        if (steps.some((s) => s.action === 'delete')) {
          await ctx.events.record(object, {
            type: 'Normal',
            reason: 'Deleted',
            message: `deleted ${describe(manifest)} from the gateway`,
          });
        }
      }
    }
  } catch (error: unknown) {
    const failure = asReconcileError(error);
    // An invalid spec cannot name anything in the gateway: nothing to delete.
    if (failure.reason !== 'InvalidSpec') {
      const message = `cannot delete from the gateway (${failure.reason}): ${failure.message}`;
      await ctx.events.record(object, { type: 'Warning', reason: 'DeleteFailed', message });
      throw new ReconcileError('DeleteFailed', message);
    }
  }
  await releaseFinalizer(ctx.kube, type, object);
}

async function manifestsFor(
  ctx: AuthReconcileContext,
  object: KubeObject,
  manifest: Manifest,
  deleting: boolean,
): Promise<Manifest[] | undefined> {
  if (manifest.kind !== 'TeamMemberAssociation') return [manifest];
  const parties = await membershipParties(ctx.kube, { object, manifest }, ctx.types, deleting);
  return parties && [...parties, manifest];
}

/** The plan of the whole set, reduced to this resource's own steps. */
function ownSteps(
  manifests: Manifest[],
  observed: Observed,
  self: Manifest,
  mode: 'apply' | 'delete',
): Step[] {
  const plan = planChanges(manifests, observed, { mode, managedBy: MANAGED_BY });
  const own = plan.steps.filter((s) => s.kind === self.kind && s.name === self.metadata.name);
  if (plan.errors.length > 0) throw new ReconcileError('ConfigError', plan.errors.join('; '));
  return own;
}

function describe(manifest: Manifest): string {
  if (manifest.kind === 'User') return `user ${manifest.spec.userEmail}`;
  if (manifest.kind === 'Team') return `team ${manifest.spec.teamAlias}`;
  if (manifest.kind === 'VirtualKey') return `key ${manifest.spec.keyAlias}`;
  return `membership ${manifest.metadata.name}`;
}

function eventReason(step: Step): string {
  if (step.action === 'create') return 'Created';
  return step.adopted ? 'Adopted' : 'Updated';
}

function summary(step: Step): string {
  if (step.action === 'create') return `created ${step.target} in the gateway`;
  const fields = step.changes.map((c) => c.field).join(', ');
  return `${step.adopted ? 'adopted and ' : ''}updated ${step.target} in the gateway: ${fields}`;
}
