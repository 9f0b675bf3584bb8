/** Kubernetes Events on the resources: what the operator did, and why it could not. */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './kube/kube-client.js';
import { EVENTS, type KubeObject } from './kube/kube-types.js';

export type EventType = 'Normal' | 'Warning';

export const COMPONENT = 'tollgate-operator';

export class EventRecorder {
  constructor(
    private readonly kube: KubeClient,
    private readonly now: () => Date,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Best effort: an Event that cannot be written never fails the reconcile. */
  async record(object: KubeObject, event: { type: EventType; reason: string; message: string }) {
    const namespace = object.metadata.namespace ?? 'default';
    const time = this.now().toISOString();
    try {
      await this.kube.create(EVENTS, namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${object.metadata.name}.${randomBytes(6).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace,
          uid: object.metadata.uid,
          resourceVersion: object.metadata.resourceVersion,
        },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
    } catch (error: unknown) {
      this.onError(error);
    }
  }
}
