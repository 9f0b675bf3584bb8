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

const NONE: readonly string[] = [];

export class StoredTags implements TagInvalidation {
  private byName = new Map<string, LoadedTag>();
  /** The stored tags that name each model group or deployment id in their `models`. */
  private byModel = new Map<string, string[]>();
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
   * The stored tags whose `models` name the deployment's id or its model group: under
   * `enable_tag_filtering` the deployment serves their calls as if they were its own `tags`
   * (LiteLLM adds a tag to the deployments of its models).
   */
  taggedFor(group: string, deploymentId: string): readonly string[] {
    if (this.byModel.size === 0) return NONE;
    const byId = this.byModel.get(deploymentId);
    const byGroup = this.byModel.get(group);
    if (byId === undefined) return byGroup ?? NONE;
    return byGroup === undefined ? byId : [...byId, ...byGroup];
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
      const byModel = new Map<string, string[]>();
      for (const tag of loaded) {
        for (const model of new Set(tag.models)) {
          const named = byModel.get(model);
          if (named) named.push(tag.tag_name);
          else byModel.set(model, [tag.tag_name]);
        }
      }
      this.byName = new Map(loaded.map((t) => [t.tag_name, t]));
      this.byModel = byModel;
      this.readAt = startedAt;
    } catch (error: unknown) {
      this.options.logger?.warn(
        { err: error },
        'stored tags: cannot read them; tag budgets hold by the last answer',
      );
    }
  }
}
