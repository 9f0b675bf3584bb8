/**
 * Keeps a local copy of one resource type: list, then watch from the list's resourceVersion;
 * when the server says the version is gone (410) or the watch fails, list again. Every add,
 * change and removal is reported to `onChange`.
 */
import { abortableSleep } from '../abortable-sleep.js';
import type { KubeClient } from './kube-client.js';
import { isGone, type KubeObject, type ResourceType } from './kube-types.js';

export interface InformerOptions {
  namespace?: string;
  onChange(object: KubeObject, deleted: boolean): void;
  onError(error: unknown): void;
  /** How long one watch request may stay open before it is renewed. */
  watchTimeoutSeconds?: number;
  /** Wait after a failed list or watch. */
  retryMs?: number;
}

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private syncedOnce = false;
  /** Counts re-lists, so tests can see a 410 taken. */
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions,
  ) {}

  get synced(): boolean {
    return this.syncedOnce;
  }

  objects(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        let version = await this.relist();
        for (;;) {
          if (signal.aborted) return;
          version = await this.watchFrom(version, signal);
        }
      } catch (error: unknown) {
        if (signal.aborted) return;
        if (!isGone(error)) {
          this.options.onError(error);
          await abortableSleep(this.options.retryMs ?? 1000, signal);
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const { items, resourceVersion } = await this.client.list(this.type, this.options.namespace);
    this.relists++;
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      this.cache.set(key, item);
      this.options.onChange(item, false);
    }
    for (const [key, old] of this.cache) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.options.onChange(old, true);
    }
    this.syncedOnce = true;
    return resourceVersion;
  }

  /** One watch request; returns the last resourceVersion seen, to continue from. */
  private async watchFrom(version: string, signal: AbortSignal): Promise<string> {
    let last = version;
    const events = this.client.watch(this.type, {
      namespace: this.options.namespace,
      resourceVersion: version,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
      signal,
    });
    for await (const event of events) {
      last = event.object.metadata.resourceVersion ?? last;
      if (event.type === 'BOOKMARK') continue;
      const key = keyOf(event.object);
      if (event.type === 'DELETED') this.cache.delete(key);
      else this.cache.set(key, event.object);
      this.options.onChange(event.object, event.type === 'DELETED');
    }
    return last;
  }
}

export function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
