/**
 * Cache invalidations between replicas, over Redis pub/sub. A replica that changes a key, user,
 * team, customer or model applies the change to its own caches, then publishes it; every other
 * replica on the same Redis and prefix applies it on receipt, within milliseconds.
 *
 * What can go wrong, and what is done about it:
 *   - A lookup on the receiving replica may be reading the old row when the message arrives and
 *     cache it just after: every change is applied once more `settleMs` later.
 *   - The subscription drops (Redis restarts, a network cut): changes published meanwhile are
 *     lost, so when it is back the local caches are cleared once (`resync`) and it is logged.
 *   - This replica cannot publish: once its connection is back it tells every replica to clear
 *     everything (`all`), since it no longer knows what the others missed.
 *   - Redis is down for good: the caches' own time limit (60 s) bounds how stale they get.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { waitUntilReady } from './redis-connection.js';

const ChangeSchema = z.discriminatedUnion('kind', [
  /** A virtual key, by the SHA-256 hex of its secret. */
  z.object({ kind: z.literal('key'), token: z.string() }),
  z.object({ kind: z.literal('user'), id: z.string() }),
  z.object({ kind: z.literal('team'), id: z.string() }),
  /** A customer (end user), by its `user_id`. */
  z.object({ kind: z.literal('customer'), id: z.string() }),
  /** Tags stored with /tag/new changed (the budgets or spend of those named). */
  z.object({ kind: z.literal('tags'), names: z.array(z.string()) }),
  /** Models stored in the database were added, changed or deleted. */
  z.object({ kind: z.literal('models') }),
  /** Anything may have changed: drop every cache. */
  z.object({ kind: z.literal('all') }),
]);

const MessageSchema = z.object({ from: z.string(), change: ChangeSchema });

export type CacheChange = z.infer<typeof ChangeSchema>;

/** What a replica does with changes made elsewhere. */
export interface ChangeHandler {
  apply(change: CacheChange): void;
  /** Changes may have been missed: forget everything cached. */
  resync(): void;
}

/** The publishing side, as the replicated invalidations see it. */
export interface ChangePublisher {
  publish(change: CacheChange): void;
}

export interface InvalidationBusDeps {
  /** Publishes; may be shared with other users of Redis. */
  publisher: Redis;
  /** Only subscribes: a connection in subscriber mode can do nothing else. */
  subscriber: Redis;
  channel: string;
  logger: Logger;
  /** When a received change is applied the second time; default 250 ms. */
  settleMs?: number;
  /** Tells this replica's own messages apart; random by default. */
  replicaId?: string;
}

export class InvalidationBus implements ChangePublisher {
  private readonly replicaId: string;
  private readonly settleMs: number;
  private handler: ChangeHandler | undefined;
  /** A subscription was lost or never made: what was cached meanwhile may be stale. */
  private deaf = false;
  /** A publish failed: the other replicas may hold what this one changed. */
  private unpublished = false;
  /**
   * The command connection was lost: Redis may have restarted empty meanwhile, and then the
   * shared spend counters start again from what this replica has cached.
   */
  private commandsLost = false;
  private closed = false;
  private subscribing: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: InvalidationBusDeps) {
    this.replicaId = deps.replicaId ?? randomUUID();
    this.settleMs = deps.settleMs ?? 250;
  }

  /**
   * Starts receiving. Resolves once subscribed, or as soon as Redis turns out unreachable: the
   * subscription is then made whenever it comes back.
   */
  async start(handler: ChangeHandler): Promise<void> {
    this.handler = handler;
    const { subscriber, publisher } = this.deps;
    subscriber.on('ready', () => {
      this.subscribing = this.subscribe();
    });
    subscriber.on('close', () => {
      if (!this.closed) this.deaf = true;
    });
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.deps.channel) this.receive(text);
    });
    publisher.on('close', () => {
      if (!this.closed) this.commandsLost = true;
    });
    publisher.on('ready', () => {
      this.afterCommandsBack();
      this.republish();
    });
    // Already connected before start: subscribe now rather than on a 'ready' that has passed.
    if (subscriber.status === 'ready') this.subscribing = this.subscribe();
    const [subscribed, commanding] = await Promise.all([
      waitUntilReady(subscriber),
      waitUntilReady(publisher),
    ]);
    // Down at start (its first 'close' may have come before the listener above): what is cached
    // until it connects is cleared then, as after any lost connection.
    if (!commanding && publisher.status !== 'ready') this.commandsLost = true;
    if (subscribed) await this.subscribing;
  }

  publish(change: CacheChange): void {
    const { publisher, channel } = this.deps;
    if (publisher.status !== 'ready') {
      this.unpublished = true;
      return;
    }
    const message = JSON.stringify({ from: this.replicaId, change });
    publisher.publish(channel, message).catch(() => {
      this.unpublished = true;
    });
  }

  /** Stops applying changes; the caller closes the connections. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async subscribe(): Promise<void> {
    try {
      await this.deps.subscriber.subscribe(this.deps.channel);
    } catch (error: unknown) {
      // The connection went again; its next 'ready' tries anew.
      this.deaf = true;
      this.deps.logger.warn(
        { reason: (error as Error).message },
        'cache invalidations: cannot subscribe',
      );
      return;
    }
    if (!this.deaf) return;
    this.deaf = false;
    this.handler?.resync();
    this.deps.logger.warn(
      'cache invalidations from other replicas resumed after a Redis outage: local caches cleared',
    );
  }

  private receive(text: string): void {
    if (this.closed || !this.handler) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const message = MessageSchema.safeParse(parsed);
    if (!message.success) {
      this.deps.logger.warn('cache invalidations: ignored a message that is not one');
      return;
    }
    // This replica applied its own changes before publishing them.
    if (message.data.from === this.replicaId) return;
    const { change } = message.data;
    this.handler.apply(change);
    if (change.kind === 'models' || change.kind === 'all') return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.handler?.apply(change);
    }, this.settleMs);
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * A Redis that restarted comes back without counters: each budget's counter is then created
   * again from the spend of the first request's principal. Clearing the cached principals as soon
   * as commands flow again makes that the database's spend, not a copy up to 60 s old (the
   * subscription, which clears them too, may reconnect seconds later).
   */
  private afterCommandsBack(): void {
    if (!this.commandsLost || this.closed) return;
    this.commandsLost = false;
    this.handler?.resync();
    this.deps.logger.warn(
      'Redis commands resumed after a lost connection: local caches cleared, budgets count from the stored spend',
    );
  }

  private republish(): void {
    if (!this.unpublished || this.closed) return;
    this.unpublished = false;
    this.deps.logger.warn(
      'cache invalidations: some could not be published during a Redis outage; telling every replica to clear its caches',
    );
    this.publish({ kind: 'all' });
  }
}
