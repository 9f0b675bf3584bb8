/**
 * The operator: when it holds the leader Lease, it watches User, Team, TeamMemberAssociation,
 * VirtualKey, Model and LiteLLMInstance resources (re-listing on 410 Gone), queues every change and every resource again
 * each resync period (drift repair), and reconciles them with per-resource exponential backoff.
 * Events, metrics and probes show what it does.
 */
import type { Server } from 'node:http';
import { abortableSleep } from './abortable-sleep.js';
import type { Logger } from 'pino';
import { team, teamMemberAssociation, user, virtualKey } from './crds/auth-crds.js';
import { litellmInstance, model } from './crds/litellm-crds.js';
import type { KindDefinition } from './crds/crd-document.js';
import { VERSION } from './crds/crd-document.js';
import type { ConnectionOptions } from './connection.js';
import { EventRecorder } from './event-recorder.js';
import { startHealthServer } from './health-server.js';
import { Informer } from './kube/informer.js';
import type { KubeClient } from './kube/kube-client.js';
import type { KubeObject, ResourceType } from './kube/kube-types.js';
import { LeaderElector } from './leader-election.js';
import { OperatorMetrics } from './operator-metrics.js';
import { reconcileAuthResource, type AuthReconcileContext } from './reconcile/auth-reconciler.js';
import { reconcileInstance } from './reconcile/instance-reconciler.js';
import { reconcileModel } from './reconcile/model-reconciler.js';
import { ReconcileError } from './reconcile-error.js';
import { WorkQueue } from './work-queue.js';

export interface OperatorOptions {
  kube: KubeClient;
  logger: Logger;
  connection: ConnectionOptions;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  resyncMs: number;
  backoff: { baseMs: number; maxMs: number };
  workers: number;
  lease: {
    namespace: string;
    name: string;
    identity: string;
    durationSeconds: number;
    retryPeriodMs: number;
  };
  health: { port: number; host: string };
  now?: () => Date;
}

const typeOf = (def: KindDefinition): ResourceType => ({
  group: def.group,
  version: VERSION,
  plural: def.plural,
  kind: def.kind,
});

export const AUTH_TYPES = {
  User: typeOf(user),
  Team: typeOf(team),
  TeamMemberAssociation: typeOf(teamMemberAssociation),
  VirtualKey: typeOf(virtualKey),
} as const;

export const LITELLM_TYPES = {
  Model: typeOf(model),
  LiteLLMInstance: typeOf(litellmInstance),
} as const;

/** Every kind the operator watches and reconciles. */
export const KIND_TYPES = { ...AUTH_TYPES, ...LITELLM_TYPES } as const;
export type OperatorKind = keyof typeof KIND_TYPES;

export class Operator {
  readonly metrics = new OperatorMetrics();
  private readonly queue: WorkQueue;
  private readonly informers = new Map<string, Informer>();
  private readonly elector: LeaderElector;
  private readonly context: AuthReconcileContext;
  private readonly seenGenerations = new Map<string, string>();
  private stop = new AbortController();
  private leading?: AbortController;
  private health?: Server;
  private running: Promise<unknown>[] = [];

  constructor(private readonly options: OperatorOptions) {
    const now = options.now ?? (() => new Date());
    const onError = (error: unknown) =>
      options.logger.warn({ err: error }, 'operator: %s', (error as Error).message);
    this.queue = new WorkQueue(options.backoff);
    this.elector = new LeaderElector(options.kube, {
      ...options.lease,
      leaseDurationSeconds: options.lease.durationSeconds,
      now,
      onError,
    });
    this.context = {
      kube: options.kube,
      events: new EventRecorder(options.kube, now, onError),
      connection: options.connection,
      types: { team: AUTH_TYPES.Team, user: AUTH_TYPES.User },
      now,
    };
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  /** Ready: leading with every informer synced, or a healthy standby. */
  ready(): boolean {
    if (!this.elector.isLeader) return true;
    return [...this.informers.values()].every((i) => i.synced) && this.informers.size > 0;
  }

  informer(kind: OperatorKind): Informer | undefined {
    return this.informers.get(kind);
  }

  async start(): Promise<{ healthPort: number }> {
    const { server, port } = await startHealthServer(
      { ready: () => this.ready(), registry: this.metrics.registry },
      this.options.health,
    );
    this.health = server;
    this.running.push(this.elector.run(this.stop.signal, (leading) => this.onLeadership(leading)));
    return { healthPort: port };
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.leading?.abort();
    this.queue.close();
    await Promise.allSettled(this.running);
    await new Promise((resolve) => this.health?.close(resolve) ?? resolve(undefined));
  }

  private onLeadership(leading: boolean): void {
    this.metrics.leader.set(leading ? 1 : 0);
    this.options.logger.info(
      leading ? 'operator: leading, reconciling' : 'operator: lost the lease, standing by',
    );
    if (!leading) {
      // Stop acting at once: another replica may already hold the lease.
      this.leading?.abort();
      return;
    }
    this.leading = new AbortController();
    this.seenGenerations.clear();
    const signal = this.leading.signal;
    for (const [kind, type] of Object.entries(KIND_TYPES)) {
      const informer = new Informer(this.options.kube, type, {
        namespace: this.options.namespace,
        onChange: (object, deleted) => this.onChange(kind, object, deleted),
        onError: (error) =>
          this.options.logger.warn({ err: error }, `operator: watching ${type.plural} failed`),
      });
      this.informers.set(kind, informer);
      this.running.push(informer.run(signal));
    }
    for (let i = 0; i < this.options.workers; i++) this.running.push(this.work(signal));
    this.running.push(this.resync(signal));
  }

  /** Queue on a new generation, a deletion or a finalizer change; status-only writes are ignored. */
  private onChange(kind: string, object: KubeObject, deleted: boolean): void {
    const key = `${kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (deleted) {
      this.seenGenerations.delete(key);
      return;
    }
    const fingerprint = `${object.metadata.generation}|${object.metadata.deletionTimestamp ?? ''}|${(object.metadata.finalizers ?? []).join(',')}`;
    if (this.seenGenerations.get(key) === fingerprint) return;
    this.seenGenerations.set(key, fingerprint);
    this.queue.add(key);
    // An association depends on its Team and User: look again when they change.
    if (kind === 'Team' || kind === 'User') {
      for (const association of this.informers.get('TeamMemberAssociation')?.objects() ?? []) {
        const spec = association.spec as { teamRef?: { name: string }; userRef?: { name: string } };
        const ref = kind === 'Team' ? spec.teamRef : spec.userRef;
        if (
          association.metadata.namespace === object.metadata.namespace &&
          ref?.name === object.metadata.name
        ) {
          this.queue.add(
            `TeamMemberAssociation/${association.metadata.namespace}/${association.metadata.name}`,
          );
        }
      }
    }
  }

  private async resync(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await abortableSleep(this.options.resyncMs, signal);
      for (const [kind, informer] of this.informers) {
        for (const object of informer.objects())
          this.queue.add(`${kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      }
    }
  }

  private async work(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.next();
      if (key === undefined) return;
      if (signal.aborted) {
        // This worker belongs to a leadership that ended: hand the key back for the workers of
        // the next one (the queue is shared) and stop.
        this.queue.done(key);
        this.queue.add(key);
        return;
      }
      this.metrics.queueDepth.set(this.queue.depth);
      try {
        await this.reconcileKey(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private reconcileObject(kind: OperatorKind, type: ResourceType, object: KubeObject) {
    switch (kind) {
      case 'Model':
        return reconcileModel(this.context, type, object);
      case 'LiteLLMInstance':
        return reconcileInstance(this.context, type, object);
      default:
        return reconcileAuthResource(this.context, type, object);
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const [kind, namespace, name] = key.split('/') as [OperatorKind, string, string];
    const type = KIND_TYPES[kind];
    const timer = this.metrics.duration.startTimer({ kind });
    try {
      // Read fresh: the cache may lag behind the operator's own last write.
      const object = await this.options.kube.get(type, namespace, name);
      if (object) await this.reconcileObject(kind, type, object);
      this.queue.forget(key);
      this.metrics.reconciles.inc({ kind, result: 'success' });
    } catch (error: unknown) {
      const reason = error instanceof ReconcileError ? error.reason : 'Error';
      this.metrics.reconciles.inc({ kind, result: reason });
      if (error instanceof ReconcileError && !error.retry) return;
      const delay = this.queue.retry(key);
      this.options.logger.warn(
        `operator: ${key}: ${(error as Error).message} (retry in ${delay} ms)`,
      );
    } finally {
      timer();
    }
  }
}
