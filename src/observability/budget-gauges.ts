/**
 * LiteLLM's budget gauges, for dashboards and alerts on money left:
 *
 *   litellm_remaining_api_key_budget_metric{hashed_api_key, api_key_alias}   max_budget - spend
 *   litellm_api_key_max_budget_metric{hashed_api_key, api_key_alias}         max_budget
 *   litellm_api_key_budget_remaining_hours_metric{hashed_api_key, api_key_alias}
 *   litellm_remaining_team_budget_metric{team, team_alias}
 *   litellm_team_max_budget_metric{team, team_alias}
 *   litellm_team_budget_remaining_hours_metric{team, team_alias}
 *   litellm_remaining_user_budget_metric{user}
 *   litellm_user_max_budget_metric{user}
 *   litellm_user_budget_remaining_hours_metric{user}
 *   litellm_remaining_org_budget_metric{org_id, org_alias}
 *   litellm_org_max_budget_metric{org_id, org_alias}
 *   litellm_org_budget_remaining_hours_metric{org_id, org_alias}
 *
 * for the virtual keys, teams, users and organizations that called a model through this gateway
 * since it started, as
 * LiteLLM sets them from the calls it serves. The request path only notes who called (one Map
 * lookup); the figures are read when /metrics is scraped: the stored spend in the current budget
 * window (0 once `budget_reset_at` has passed, as the next booking will write it) plus what this
 * gateway has booked and not written yet. Remaining is `+Inf` without a `max_budget`, as in
 * LiteLLM, and the hours gauge is only there for a budget that resets.
 */
import type { Registry } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { StoredRead } from '../spend/types.js';

/** Keys and teams remembered at most (the first ones seen stay; a scrape reads them all). */
const MAX_TRACKED = 10_000;
const HOUR_MS = 3_600_000;

/** What the gauges cover: who called a model, by id (a key's hash) → alias. */
export type Owner = 'key' | 'team' | 'user' | 'organization';
const OWNERS: readonly Owner[] = ['key', 'team', 'user', 'organization'];

/** Who called a model: the keys, teams, users and organizations the gauges cover. */
export class BudgetActivity {
  readonly keys = new Map<string, string>();
  readonly teams = new Map<string, string>();
  readonly users = new Map<string, string>();
  readonly organizations = new Map<string, string>();

  /** Notes a virtual key's call (the master key and keyless callers have no key budget). */
  seen(principal: Principal): void {
    const hash = principal.keyHash;
    if (hash !== undefined && principal.key !== undefined) {
      note(this.keys, hash, principal.key.key_alias);
      // The master key's user is not a user with a budget.
      const user = principal.userId;
      if (user !== undefined && principal.user !== undefined) note(this.users, user, '');
    }
    const team = principal.teamId;
    if (team !== undefined) note(this.teams, team, principal.team?.team_alias);
    const organization = principal.organization;
    if (organization !== undefined) {
      note(this.organizations, organization.organization_id, organization.organization_alias);
    }
  }

  ids(owner: Owner): string[] {
    return [...this.of(owner).keys()];
  }

  private of(owner: Owner): Map<string, string> {
    if (owner === 'key') return this.keys;
    if (owner === 'team') return this.teams;
    return owner === 'user' ? this.users : this.organizations;
  }
}

function note(into: Map<string, string>, id: string, alias: string | null | undefined): void {
  if (!into.has(id) && into.size < MAX_TRACKED) into.set(id, alias ?? '');
}

/** A key's or team's budget as stored. */
export interface StoredBudget {
  id: string;
  alias: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
}

export interface BudgetReader {
  /**
   * Told when the store cannot be read: that scrape has no budget series, the rest of /metrics is
   * served (it matters most while the database is down), and the next scrape reads again.
   */
  onError(error: unknown): void;
  keys(hashes: readonly string[]): Promise<StoredBudget[]>;
  teams(ids: readonly string[]): Promise<StoredBudget[]>;
  users(ids: readonly string[]): Promise<StoredBudget[]>;
  organizations(ids: readonly string[]): Promise<StoredBudget[]>;
  /** Spend booked for `kind:id` and not written yet. */
  pending(kind: Owner, id: string): number;
  /**
   * Makes a read of stored spend in step with the spend ledger (SpendLedger.readStored): a batch
   * committed during or after the read is then counted once, through `writtenSince`.
   */
  readStored?<T>(read: () => Promise<T>): Promise<StoredRead<T>>;
  /** Spend the ledger wrote for `kind:id` after its first `written` batches. */
  writtenSince?(written: number, kind: Owner, id: string): number;
  now(): number;
  calendar: BudgetCalendar;
}

interface Figures {
  remaining: number;
  max: number | null;
  hoursLeft: number | null;
}

type Snapshot = Record<Owner, { labels: Record<string, string>; figures: Figures }[]>;

/** Registers the twelve gauges on `registry`. */
export function registerBudgetGauges(
  registry: Registry,
  activity: BudgetActivity,
  reader: BudgetReader,
): void {
  // One read per scrape: the registry asks all the gauges at once, and they share it.
  let inFlight: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (inFlight === undefined) {
      const reading = read(activity, reader, reader.now()).catch((error: unknown) => {
        reader.onError(error);
        return { key: [], team: [], user: [], organization: [] };
      });
      inFlight = reading;
      const done = (): void => {
        if (inFlight === reading) inFlight = undefined;
      };
      reading.then(done, done);
    }
    return inFlight;
  };
  for (const kind of OWNERS) {
    const names = GAUGES[kind];
    const owner = OWNER_NAMES[kind];
    const specs: GaugeSpec[] = [
      {
        name: names.remaining,
        help: `Budget left of ${owner}, USD (+Inf without max_budget)`,
        kind,
        value: (f) => f.remaining,
      },
      { name: names.max, help: `max_budget of ${owner}, USD`, kind, value: (f) => f.max },
      {
        name: names.hours,
        help: `Hours until the budget window of ${owner} resets`,
        kind,
        value: (f) => f.hoursLeft,
      },
    ];
    for (const spec of specs) registry.registerMetric(new ComputedGauge(spec, snapshot) as never);
  }
}

/** LiteLLM's names of the three gauges of each owner, and their labels. */
const GAUGES: Record<Owner, { remaining: string; max: string; hours: string; labels: string[] }> = {
  key: {
    remaining: 'litellm_remaining_api_key_budget_metric',
    max: 'litellm_api_key_max_budget_metric',
    hours: 'litellm_api_key_budget_remaining_hours_metric',
    labels: ['hashed_api_key', 'api_key_alias'],
  },
  team: {
    remaining: 'litellm_remaining_team_budget_metric',
    max: 'litellm_team_max_budget_metric',
    hours: 'litellm_team_budget_remaining_hours_metric',
    labels: ['team', 'team_alias'],
  },
  user: {
    remaining: 'litellm_remaining_user_budget_metric',
    max: 'litellm_user_max_budget_metric',
    hours: 'litellm_user_budget_remaining_hours_metric',
    labels: ['user'],
  },
  organization: {
    remaining: 'litellm_remaining_org_budget_metric',
    max: 'litellm_org_max_budget_metric',
    hours: 'litellm_org_budget_remaining_hours_metric',
    labels: ['org_id', 'org_alias'],
  },
};
const OWNER_NAMES: Record<Owner, string> = {
  key: 'a virtual key',
  team: 'a team',
  user: 'a user',
  organization: 'an organization',
};

/** The label values of a stored owner, in the order of GAUGES[owner].labels. */
function labelsOf(kind: Owner, row: StoredBudget): Record<string, string> {
  const [id, alias] = GAUGES[kind].labels as [string, string | undefined];
  return alias === undefined ? { [id]: row.id } : { [id]: row.id, [alias]: row.alias ?? '' };
}

async function read(
  activity: BudgetActivity,
  reader: BudgetReader,
  now: number,
): Promise<Snapshot> {
  const readers: Record<Owner, (ids: readonly string[]) => Promise<StoredBudget[]>> = {
    key: (ids) => reader.keys(ids),
    team: (ids) => reader.teams(ids),
    user: (ids) => reader.users(ids),
    organization: (ids) => reader.organizations(ids),
  };
  const readAll = () =>
    Promise.all(
      OWNERS.map((kind) => {
        const ids = activity.ids(kind);
        return ids.length > 0 ? readers[kind](ids) : [];
      }),
    );
  const { value: rows, written } = reader.readStored
    ? await reader.readStored(readAll)
    : { value: await readAll(), written: 0 };
  const figures = (kind: Owner, row: StoredBudget): Figures => {
    const window = reader.calendar.window(row.budget_reset_at, row.budget_duration, now);
    const stored = window.rolled
      ? 0
      : row.spend + (reader.writtenSince?.(written, kind, row.id) ?? 0);
    const spend = stored + reader.pending(kind, row.id);
    const resetAt = window.resetAt;
    return {
      remaining: row.max_budget === null ? Infinity : row.max_budget - spend,
      max: row.max_budget,
      hoursLeft: resetAt === null ? null : Math.max(0, (resetAt - now) / HOUR_MS),
    };
  };
  const snapshot = { key: [], team: [], user: [], organization: [] } as Snapshot;
  OWNERS.forEach((kind, i) => {
    snapshot[kind] = (rows[i] ?? []).map((row) => ({
      labels: labelsOf(kind, row),
      figures: figures(kind, row),
    }));
  });
  return snapshot;
}

interface GaugeSpec {
  name: string;
  help: string;
  kind: Owner;
  value: (figures: Figures) => number | null;
}

/** A gauge whose values are computed when the registry is read (prom-client's metric shape). */
class ComputedGauge {
  readonly type = 'gauge' as const;
  readonly aggregator = 'sum' as const;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];

  constructor(
    private readonly spec: GaugeSpec,
    private readonly snapshot: () => Promise<Snapshot>,
  ) {
    this.name = spec.name;
    this.help = spec.help;
    this.labelNames = GAUGES[spec.kind].labels;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: 'gauge';
    aggregator: 'sum';
    values: { value: number; labels: Record<string, string> }[];
  }> {
    const rows = (await this.snapshot())[this.spec.kind];
    const values: { value: number; labels: Record<string, string> }[] = [];
    for (const row of rows) {
      const value = this.spec.value(row.figures);
      if (value !== null) values.push({ value, labels: row.labels });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }

  reset(): void {}
}
