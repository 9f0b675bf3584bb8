/**
 * LiteLLM's budget gauges, for dashboards and alerts on money left:
 *
 *   litellm_remaining_api_key_budget_metric{hashed_api_key, api_key_alias}   max_budget - spend
 *   litellm_api_key_max_budget_metric{hashed_api_key, api_key_alias}         max_budget
 *   litellm_api_key_budget_remaining_hours_metric{hashed_api_key, api_key_alias}
 *   litellm_remaining_team_budget_metric{team, team_alias}
 *   litellm_team_max_budget_metric{team, team_alias}
 *   litellm_team_budget_remaining_hours_metric{team, team_alias}
 *
 * for the virtual keys and teams that called a model through this gateway since it started, as
 * LiteLLM sets them from the calls it serves. The request path only notes who called (one Map
 * lookup); the figures are read when /metrics is scraped: the stored spend in the current budget
 * window (0 once `budget_reset_at` has passed, as the next booking will write it) plus what this
 * gateway has booked and not written yet. Remaining is `+Inf` without a `max_budget`, as in
 * LiteLLM, and the hours gauge is only there for a budget that resets.
 */
import type { Registry } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';

/** Keys and teams remembered at most (the first ones seen stay; a scrape reads them all). */
const MAX_TRACKED = 10_000;
const HOUR_MS = 3_600_000;

/** Who called a model: the keys (hash → alias) and teams (id → alias) the gauges cover. */
export class BudgetActivity {
  readonly keys = new Map<string, string>();
  readonly teams = new Map<string, string>();

  /** Notes a virtual key's call (the master key and keyless callers have no key budget). */
  seen(principal: Principal): void {
    const hash = principal.keyHash;
    if (hash !== undefined && principal.key !== undefined && !this.keys.has(hash)) {
      if (this.keys.size < MAX_TRACKED) this.keys.set(hash, principal.key.key_alias ?? '');
    }
    const team = principal.teamId;
    if (team !== undefined && !this.teams.has(team) && this.teams.size < MAX_TRACKED) {
      this.teams.set(team, principal.team?.team_alias ?? '');
    }
  }
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
  /** Spend booked for `kind:id` and not written yet. */
  pending(kind: 'key' | 'team', id: string): number;
  now(): number;
  calendar: BudgetCalendar;
}

interface Figures {
  remaining: number;
  max: number | null;
  hoursLeft: number | null;
}

type Snapshot = Record<'key' | 'team', { labels: Record<string, string>; figures: Figures }[]>;

/** Registers the six gauges on `registry`. */
export function registerBudgetGauges(
  registry: Registry,
  activity: BudgetActivity,
  reader: BudgetReader,
): void {
  // One read per scrape: the registry asks all six gauges at once, and they share it.
  let inFlight: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (inFlight === undefined) {
      const reading = read(activity, reader, reader.now()).catch((error: unknown) => {
        reader.onError(error);
        return { key: [], team: [] };
      });
      inFlight = reading;
      const done = (): void => {
        if (inFlight === reading) inFlight = undefined;
      };
      reading.then(done, done);
    }
    return inFlight;
  };
  for (const kind of ['key', 'team'] as const) {
    const names = kind === 'key' ? KEY_GAUGES : TEAM_GAUGES;
    const owner = kind === 'key' ? 'a virtual key' : 'a team';
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

/** LiteLLM's names of the three gauges of keys and of teams. */
const KEY_GAUGES = {
  remaining: 'litellm_remaining_api_key_budget_metric',
  max: 'litellm_api_key_max_budget_metric',
  hours: 'litellm_api_key_budget_remaining_hours_metric',
};
const TEAM_GAUGES = {
  remaining: 'litellm_remaining_team_budget_metric',
  max: 'litellm_team_max_budget_metric',
  hours: 'litellm_team_budget_remaining_hours_metric',
};

async function read(
  activity: BudgetActivity,
  reader: BudgetReader,
  now: number,
): Promise<Snapshot> {
  const [keys, teams] = await Promise.all([
    activity.keys.size > 0 ? reader.keys([...activity.keys.keys()]) : [],
    activity.teams.size > 0 ? reader.teams([...activity.teams.keys()]) : [],
  ]);
  const figures = (kind: 'key' | 'team', row: StoredBudget): Figures => {
    const window = reader.calendar.window(row.budget_reset_at, row.budget_duration, now);
    const spend = (window.rolled ? 0 : row.spend) + reader.pending(kind, row.id);
    const resetAt = window.resetAt;
    return {
      remaining: row.max_budget === null ? Infinity : row.max_budget - spend,
      max: row.max_budget,
      hoursLeft: resetAt === null ? null : Math.max(0, (resetAt - now) / HOUR_MS),
    };
  };
  return {
    key: keys.map((row) => ({
      labels: { hashed_api_key: row.id, api_key_alias: row.alias ?? '' },
      figures: figures('key', row),
    })),
    team: teams.map((row) => ({
      labels: { team: row.id, team_alias: row.alias ?? '' },
      figures: figures('team', row),
    })),
  };
}

interface GaugeSpec {
  name: string;
  help: string;
  kind: 'key' | 'team';
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
    this.labelNames =
      spec.kind === 'key' ? ['hashed_api_key', 'api_key_alias'] : ['team', 'team_alias'];
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
