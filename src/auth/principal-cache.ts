/**
 * Resolved virtual keys by the hash presented, so a warm request never waits on the database.
 * Positive entries hold the principal; negative entries remember hashes that matched no key, so
 * a flood of wrong keys does not become a flood of queries. Both are bounded in time (TTL) and
 * size (oldest out first), kept apart so wrong keys cannot push valid ones out. Admin writes
 * drop what they change at once.
 */
import type { Principal } from './principal.js';

export interface PrincipalCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  maxNegativeEntries?: number;
  now?: () => number;
}

/** Tells the request path's caches that stored keys, users or teams changed. */
export interface AuthInvalidation {
  /** A key changed or went away: by its hash, and any old secret that leads to it. */
  keyChanged(token: string): void;
  userChanged(userId: string): void;
  teamChanged(teamId: string): void;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export const DEFAULT_CACHE_TTL_MS = 60_000;

export class PrincipalCache implements AuthInvalidation {
  private readonly positive = new Map<string, Entry<Principal>>();
  private readonly negative = new Map<string, Entry<null>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxNegative: number;
  private readonly now: () => number;

  constructor(options: PrincipalCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxNegative = options.maxNegativeEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The principal, `null` for a hash known to match nothing, `undefined` when not cached. */
  get(hash: string): Principal | null | undefined {
    const hit = this.positive.get(hash) ?? this.negative.get(hash);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.now()) {
      this.positive.delete(hash);
      this.negative.delete(hash);
      return undefined;
    }
    return hit.value;
  }

  /** `validUntil` shortens the entry's life (a grace-period secret that ends sooner). */
  set(hash: string, value: Principal | null, validUntil?: number): void {
    const expiresAt = Math.min(this.now() + this.ttlMs, validUntil ?? Infinity);
    if (value === null) {
      this.positive.delete(hash);
      insert(this.negative, hash, { value, expiresAt }, this.maxNegative);
    } else {
      this.negative.delete(hash);
      insert(this.positive, hash, { value, expiresAt }, this.maxEntries);
    }
  }

  /** Forgets one presented hash (a key was just created with it). */
  forget(hash: string): void {
    this.positive.delete(hash);
    this.negative.delete(hash);
  }

  keyChanged(token: string): void {
    this.forget(token);
    this.dropWhere((p) => p.keyHash === token);
  }

  userChanged(userId: string): void {
    this.dropWhere((p) => p.userId === userId);
  }

  teamChanged(teamId: string): void {
    this.dropWhere((p) => p.teamId === teamId);
  }

  clear(): void {
    this.positive.clear();
    this.negative.clear();
  }

  get size(): { positive: number; negative: number } {
    return { positive: this.positive.size, negative: this.negative.size };
  }

  private dropWhere(matches: (principal: Principal) => boolean): void {
    for (const [hash, entry] of this.positive) {
      if (matches(entry.value)) this.positive.delete(hash);
    }
  }
}

function insert<T>(map: Map<string, Entry<T>>, hash: string, entry: Entry<T>, max: number): void {
  map.delete(hash);
  map.set(hash, entry);
  if (map.size > max) {
    // Maps iterate in insertion order: the first key is the oldest entry.
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
