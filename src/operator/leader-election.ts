/**
 * Leader election on a coordination.k8s.io/v1 Lease, so two replicas never reconcile at once:
 * take the Lease when it is free or expired, renew it while leading, and stop leading as soon as
 * a renewal cannot be confirmed before the lease would expire. Every write carries the Lease's
 * resourceVersion, so two candidates racing for it cannot both win.
 */
import { abortableSleep } from './abortable-sleep.js';
import type { KubeClient } from './kube/kube-client.js';
import { isConflict, LEASES, type KubeObject } from './kube/kube-types.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  /** How often to try to take or renew the lease. */
  retryPeriodMs: number;
  now: () => Date;
  onError(error: unknown): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaderElector {
  private leading = false;
  private lastRenewal = 0;

  constructor(
    private readonly kube: KubeClient,
    private readonly options: LeaderElectionOptions,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs until `signal` aborts; calls `onChange(true)` on winning and `onChange(false)` on losing. */
  async run(signal: AbortSignal, onChange: (leading: boolean) => void): Promise<void> {
    while (!signal.aborted) {
      let held = false;
      try {
        held = await this.tryAcquireOrRenew();
      } catch (error: unknown) {
        this.options.onError(error);
        // Unconfirmed: still leading only while the last renewal is surely valid.
        held =
          this.leading &&
          this.options.now().getTime() - this.lastRenewal <
            this.options.leaseDurationSeconds * 1000;
      }
      if (held !== this.leading) {
        this.leading = held;
        onChange(held);
      }
      await abortableSleep(this.options.retryPeriodMs, signal);
    }
    if (this.leading) await this.release();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = this.options.now();
    const lease = await this.kube.get(LEASES, namespace, name);
    const spec = (lease?.spec ?? {}) as LeaseSpec;
    const mine = spec.holderIdentity === identity;
    const renewed = Date.parse(spec.renewTime ?? '') || 0;
    const expired =
      now.getTime() > renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (lease && !mine && spec.holderIdentity && !expired) return false;
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: mine ? spec.acquireTime : now.toISOString(),
      renewTime: now.toISOString(),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      if (lease)
        await this.kube.replace(LEASES, namespace, {
          ...lease,
          spec: next as Record<string, unknown>,
        });
      else await this.kube.create(LEASES, namespace, leaseObject(namespace, name, next));
    } catch (error: unknown) {
      if (isConflict(error)) return false; // someone else wrote it first
      throw error;
    }
    this.lastRenewal = now.getTime();
    return true;
  }

  /** Gives the lease up on a clean stop, so a standby takes over without waiting for expiry. */
  private async release(): Promise<void> {
    try {
      const lease = await this.kube.get(LEASES, this.options.namespace, this.options.name);
      if (!lease || (lease.spec as LeaseSpec | undefined)?.holderIdentity !== this.options.identity)
        return;
      await this.kube.replace(LEASES, this.options.namespace, {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', renewTime: new Date(0).toISOString() },
      });
    } catch (error: unknown) {
      this.options.onError(error);
    }
    this.leading = false;
  }
}

function leaseObject(namespace: string, name: string, spec: LeaseSpec): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace },
    spec: spec as Record<string, unknown>,
  };
}
