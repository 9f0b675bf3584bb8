/**
 * This replica's caches, made cluster-wide: the admin services get invalidations that apply
 * locally and then publish on the InvalidationBus; changes received from other replicas are
 * applied to the same local caches.
 */
import type { Logger } from 'pino';
import type { CustomerInvalidation } from '../admin/customer-service.js';
import type { ModelReloader } from '../admin/model-service.js';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { TagInvalidation } from '../spend/stored-tags.js';
import type { CacheChange, ChangeHandler, ChangePublisher } from './invalidation-bus.js';

/** The caches a replica keeps of what the database holds. */
export interface LocalCaches {
  principals: AuthInvalidation & { clear(): void };
  customers?: CustomerInvalidation & { clear(): void };
  /** The stored tags, with admission forgetting the counters of those named. */
  tags?: TagInvalidation & { clear(): void };
  /** Reloads the database models into the router (which also drops cached principals). */
  models?: Pick<ModelReloader, 'refresh'>;
}

/** Key, user and team changes: here at once, then on every replica. */
export function replicatedAuth(local: AuthInvalidation, bus: ChangePublisher): AuthInvalidation {
  return {
    keyChanged: (token) => {
      local.keyChanged(token);
      bus.publish({ kind: 'key', token });
    },
    userChanged: (id) => {
      local.userChanged(id);
      bus.publish({ kind: 'user', id });
    },
    teamChanged: (id) => {
      local.teamChanged(id);
      bus.publish({ kind: 'team', id });
    },
  };
}

export function replicatedCustomers(
  local: CustomerInvalidation,
  bus: ChangePublisher,
): CustomerInvalidation {
  return {
    customerChanged: (id) => {
      local.customerChanged(id);
      bus.publish({ kind: 'customer', id });
    },
  };
}

/** /tag/new, /tag/update, /tag/delete and budgets of tags: read here, then on every replica. */
export function replicatedTags(local: TagInvalidation, bus: ChangePublisher): TagInvalidation {
  return {
    tagsChanged: async (names) => {
      await local.tagsChanged(names);
      bus.publish({ kind: 'tags', names: [...(names ?? [])] });
    },
  };
}

/** /model/new, /model/update, /model/delete: reloaded here, then on every replica. */
export function replicatedModels(local: ModelReloader, bus: ChangePublisher): ModelReloader {
  return {
    refresh: async (force) => {
      await local.refresh(force);
      bus.publish({ kind: 'models' });
    },
    isConfigModel: (id) => local.isConfigModel(id),
  };
}

/** Applies changes received from other replicas to this one's caches. */
export function applyToLocalCaches(local: LocalCaches, logger: Logger): ChangeHandler {
  // Forced after a `models` message; after an outage only when the table changed meanwhile
  // (a reload swaps the catalog, which drops every cached principal once more).
  const reloadModels = (force: boolean) => {
    local.models?.refresh(force).catch((error: unknown) => {
      logger.warn({ err: error }, 'database models: cannot reload them after a change elsewhere');
    });
  };
  const clearAll = () => {
    local.principals.clear();
    local.customers?.clear();
    local.tags?.clear();
    reloadModels(false);
  };
  const apply = (change: CacheChange): void => {
    switch (change.kind) {
      case 'key':
        return local.principals.keyChanged(change.token);
      case 'user':
        return local.principals.userChanged(change.id);
      case 'team':
        return local.principals.teamChanged(change.id);
      case 'customer':
        return local.customers?.customerChanged(change.id);
      case 'tags':
        void local.tags?.tagsChanged(change.names);
        return;
      case 'models':
        return reloadModels(true);
      case 'all':
        return clearAll();
    }
  };
  return { apply, resync: clearAll };
}
