/**
 * Every tag stored with `/tag/new`, kept in memory for the request path: a call booked under a
 * stored tag is held to the tag's budget and limits and adds to its spend. Calls may name any tag
 * (most are plain spend labels, such as the `User-Agent: ...` tag of every call); while no tag is
 * stored, `active` is false and calls skip tags altogether.
 *
 * The tags are few (cost centres, projects) and change rarely, so all of them are read at once:
 * at start, at once after a change here (`/tag/*`, a budget they use), on a change published by
 * another replica, and otherwise every `ttlMs` (read in the background; calls go on with the last
 * answer meanwhile). While the database cannot be read, the last answer stays.
 */
import type { Logger } from 'pino';
import type { LoadedTag, TagRepository } from '../store/tag-repository.js';

export interface StoredTagsOptions {
  ttlMs?: number;
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

/** What the tag API calls when it changes stored tags or a budget they hold. */
export interface TagInvalidation {
  /**
   * The stored tags changed (`names`: the tags whose budget or spend changed, if known); resolves
   * once this replica's request path sees the change.
   */
  tagsChanged(names?: readonly string[]): Promise<void>;
}

export class StoredTags implements TagInvalidation {
  private byName = new Map<string, LoadedTag>();
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  /** The read that follows the one under way, asked for meanwhile. */
  private queued: Promise<void> | undefined;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly tags: Pick<TagRepository, 'loadAll'>,
    private readonly options: StoredTagsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether any tag is stored: when none, calls need not look at their tags. */
  get active(): boolean {
    if (this.now() - this.readAt >= this.ttlMs) void this.tagsChanged();
    return this.byName.size > 0;
  }

  /** The stored tag of that name, as last read. */
  get(name: string): LoadedTag | undefined {
    return this.byName.get(name);
  }

  /**
   * Reads every stored tag; resolves once read (or failed: the last answer stays). Asked while a
   * read is under way, it reads once more after it, so what changed meanwhile is seen.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const current = this.reading;
    if (current === undefined) return this.startReading();
    this.queued = current.then(() => {
      this.queued = undefined;
      return this.startReading();
    });
    return this.queued;
  }

  /** Resolves once the request path sees the change (every tag is read: `names` is not needed). */
  tagsChanged(_names?: readonly string[]): Promise<void> {
    this.readAt = this.now();
    return this.refresh();
  }

  /** Changes may have been missed (Redis was away): read everything again. */
  clear(): void {
    void this.tagsChanged();
  }

  private startReading(): Promise<void> {
    this.reading = this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    const startedAt = this.now();
    try {
      const loaded = await this.tags.loadAll();
      this.byName = new Map(loaded.map((t) => [t.tag_name, t]));
      this.readAt = startedAt;
    } catch (error: unknown) {
      this.options.logger?.warn(
        { err: error },
        'stored tags: cannot read them; tag budgets hold by the last answer',
      );
    }
  }
}
