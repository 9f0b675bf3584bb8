/**
 * Writes booked spend: one batch of spend log rows in one transaction, idempotent by request id.
 * Only the rows the insert actually adds (`ON CONFLICT DO NOTHING ... RETURNING`) are added to
 * the totals of their key, user, team, team member, customer, the daily aggregates and the tags,
 * so a batch sent twice (its commit acknowledged or not) is counted once. Totals are summed per
 * scope within the batch first: one UPDATE per scope, not per call.
 *
 * A scope whose stored budget window has passed (`budget_reset_at <= now`) is not added to: its
 * spend becomes the batch's cost and its `budget_reset_at` moves to the window holding `now`.
 * Windows roll here and when they are read (budget-window.ts), never in a reset job.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { BudgetCalendar } from '../spend/budget-calendar.js';
import type { RouteSpendRow, RouteSpendTarget } from '../spend/route-budgets.js';
import type { Dialect } from './open-database.js';
import type { DatabaseSchema, SpendLogTable, SpendTotals } from './schema.js';
import { transact } from './transact.js';

type Db = Kysely<DatabaseSchema>;

/** A spend log row with the tags it books to (stored as JSON text in `request_tags` too). */
export interface SpendRow {
  log: SpendLogTable;
  tags: readonly string[];
  /** The key's per-model budget the row's spend counts toward (`key_model_spend`), if any. */
  modelSpend?: ModelSpendTarget;
  /** End (ISO) of the team member's budget window the spend counts in, when it has one. */
  memberResetAt?: string;
  /** The organization of the key's team, which the spend counts toward too. */
  organizationId?: string;
  /** The stored tags (`/tag/new`) the row is booked under, whose spend grows with it. */
  storedTags?: readonly string[];
  /**
   * Booked to every total but not written to the spend log (`disable_spend_logs`,
   * `disable_error_logs`); its batch's id (RecordOptions.batch) then makes the booking idempotent.
   */
  unlogged?: true;
  /** What the call asked and answered, as JSON text (`store_prompts_in_spend_logs`). */
  payload?: { messages: string; response: string };
  /** The budgets routing keeps to that the row's cost counts toward (a provider's, a deployment's). */
  routeSpend?: readonly RouteSpendTarget[];
}

/** A row of `key_model_spend` and the window (ISO end, '' for none) a cost is added in. */
export interface ModelSpendTarget {
  token: string;
  model: string;
  budgetResetAt: string;
}

/** Scope tables whose spend lives in a budget window. */
type WindowedTable = 'keys' | 'users' | 'teams' | 'customers' | 'organizations' | 'tags';

/**
 * A scope that reached one of its limits: a key or team its `soft_budget` (a warning; soft budgets
 * never block), noticed by the batch whose spend goes from below it to at or above it; or any
 * budgeted scope its `max_budget`, noticed when a call is refused for it.
 */
export interface BudgetNotice {
  kind: 'key' | 'team' | 'user' | 'customer';
  id: string;
  threshold: 'soft_budget' | 'max_budget';
  /** The limit reached (USD). */
  limit: number;
  /** Spend in the window after the batch. */
  spend: number;
  maxBudget: number | null;
  /** `key_alias` or `team_alias`. */
  alias: string | null;
  /** A key's owner and team. */
  userId?: string | null;
  teamId?: string | null;
}

/** How a batch is booked: the calendar its budget windows follow, and where notices go. */
export interface RecordOptions {
  /** Unaligned when absent; the gateway passes the one calendar it was configured with. */
  calendar?: BudgetCalendar;
  /** Keys and teams whose spend crossed their `soft_budget` with this batch are added here. */
  notices?: BudgetNotice[];
  /**
   * The batch's id, the same each time the batch is sent, and the ids of earlier batches whose
   * commit the writer saw (`forget`). A batch that holds unlogged rows is booked only if its id is
   * not stored yet, and stores it; the forgotten ids are deleted, as are ids older than a week (a
   * replica that stopped between a commit and its acknowledgement).
   */
  batch?: { id: string; forget: readonly string[] };
}

/** How long the id of a batch is kept at most (see RecordOptions.batch). */
const BATCH_ID_KEEP_MS = 7 * 86_400_000;

const ID_COLUMN = {
  keys: 'token',
  users: 'user_id',
  teams: 'team_id',
  customers: 'user_id',
  organizations: 'organization_id',
  tags: 'tag_name',
};

/** Rows per INSERT statement: far below SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 400;

/** Every column of a spend log row, in the order the prepared INSERT binds them. */
export const LOG_COLUMNS = [
  'request_id',
  'call_type',
  'api_key',
  'spend',
  'total_tokens',
  'prompt_tokens',
  'completion_tokens',
  'startTime',
  'endTime',
  'request_duration_ms',
  'model',
  'model_id',
  'model_group',
  'custom_llm_provider',
  'api_base',
  'user',
  'team_id',
  'end_user',
  'request_tags',
  'metadata',
  'cache_hit',
  'cache_key',
  'status',
] as const satisfies readonly (keyof SpendLogTable)[];
// A column added to the table must be added above: this line stops compiling until it is.
const ALL_LOG_COLUMNS: Exclude<keyof SpendLogTable, (typeof LOG_COLUMNS)[number]> extends never
  ? true
  : never = true;
void ALL_LOG_COLUMNS;

/**
 * A row's values in the order of LOG_COLUMNS (as the SQLite INSERT also binds them), read by
 * name: `LOG_COLUMNS.map((c) => log[c])` reads 23 different keys at one site, a megamorphic
 * lookup each (~4,000 instructions a row).
 */
export function logValues(log: SpendLogTable): unknown[] {
  return [
    log.request_id,
    log.call_type,
    log.api_key,
    log.spend,
    log.total_tokens,
    log.prompt_tokens,
    log.completion_tokens,
    log.startTime,
    log.endTime,
    log.request_duration_ms,
    log.model,
    log.model_id,
    log.model_group,
    log.custom_llm_provider,
    log.api_base,
    log.user,
    log.team_id,
    log.end_user,
    log.request_tags,
    log.metadata,
    log.cache_hit,
    log.cache_key,
    log.status,
  ];
}

/**
 * The array literal of one column of `rows` (`{"a","b",NULL}`), as pg would write the array
 * itself: every element quoted, `\` and `"` escaped, null and undefined as NULL. pg escapes each
 * element with two regular-expression replacements, ~1,300 instructions whether or not it holds
 * anything to escape: ~30,000 per row of 23 columns, most of them numbers, hashes and times. Here
 * only a string that holds a backslash or a quote is rewritten (a number never needs it).
 */
export function pgArrayLiteral(rows: readonly (readonly unknown[])[], column: number): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) out += ',';
    const value = rows[i]![column];
    if (value === null || value === undefined) {
      out += 'NULL';
      continue;
    }
    if (typeof value === 'number') {
      // Nothing to escape in a number's text.
      out += `"${value}"`;
      continue;
    }
    const text = typeof value === 'string' ? value : String(value);
    out +=
      text.includes('\\') || text.includes('"')
        ? `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
        : `"${text}"`;
  }
  return out + '}';
}

/** PostgreSQL's type of each spend log column, for the arrays `unnest` takes apart. */
const PG_LOG_TYPES: Record<(typeof LOG_COLUMNS)[number], 'text' | 'float8' | 'int8'> = {
  request_id: 'text',
  call_type: 'text',
  api_key: 'text',
  spend: 'float8',
  total_tokens: 'int8',
  prompt_tokens: 'int8',
  completion_tokens: 'int8',
  startTime: 'text',
  endTime: 'text',
  request_duration_ms: 'int8',
  model: 'text',
  model_id: 'text',
  model_group: 'text',
  custom_llm_provider: 'text',
  api_base: 'text',
  user: 'text',
  team_id: 'text',
  end_user: 'text',
  request_tags: 'text',
  metadata: 'text',
  cache_hit: 'text',
  cache_key: 'text',
  status: 'text',
};

/**
 * The spend log INSERT of PostgreSQL: one array parameter per column, taken apart by `unnest`.
 * The statement's text and its 23 parameters are the same whatever the number of rows, where a
 * multi-row VALUES list built by the query builder costs ~60 µs of CPU per row to build, compile
 * and send (nine thousand parameters for a batch of 400).
 */
const PG_INSERT_LOGS =
  `INSERT INTO spend_logs (${LOG_COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
  `SELECT * FROM unnest(${LOG_COLUMNS.map((c, i) => `$${i + 1}::${PG_LOG_TYPES[c]}[]`).join(', ')}) ` +
  `ON CONFLICT (request_id) DO NOTHING RETURNING request_id`;

export class SpendRepository {
  private readonly insertLog: ((log: SpendLogTable) => boolean) | undefined;
  private readonly insertPayload:
    | ((id: string, startTime: string, payload: { messages: string; response: string }) => void)
    | undefined;

  /**
   * `sqlite`: the connection under `db` when it is SQLite. The spend log is then written one row
   * at a time through one prepared statement, reused for every row: compiling and preparing a
   * multi-row INSERT costs more per row than the row itself.
   */
  constructor(
    private readonly db: Db,
    sqlite?: BetterSqlite3.Database,
    private readonly dialect: Dialect = sqlite ? 'sqlite' : 'postgres',
  ) {
    if (sqlite) {
      const statement = sqlite.prepare(
        `INSERT INTO spend_logs (${LOG_COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
          `VALUES (${LOG_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (request_id) DO NOTHING`,
      );
      // The values spread as arguments rather than given as one array: better-sqlite3 then reads
      // them from the call itself instead of fetching each element through V8's API.
      this.insertLog = (log) => statement.run(...logValues(log)).changes === 1;
      const payload = sqlite.prepare(
        'INSERT INTO spend_log_payloads (request_id, "startTime", messages, response) ' +
          'VALUES (?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING',
      );
      this.insertPayload = (id, startTime, p) => {
        payload.run(id, startTime, p.messages, p.response);
      };
    }
  }

  /**
   * Records a batch at `now`; resolves to how many rows were new (the others were already
   * written).
   */
  async record(
    rows: readonly SpendRow[],
    now: number,
    options: RecordOptions = {},
  ): Promise<number> {
    const unique = [...new Map(rows.map((r) => [r.log.request_id, r])).values()];
    if (unique.length === 0) return 0;
    const logged = unique.some((r) => r.unlogged) ? unique.filter((r) => !r.unlogged) : unique;
    const { batch } = options;
    return transact(this.db, async (trx) => {
      if (batch && (batch.forget.length > 0 || logged !== unique)) {
        if (!(await this.claimBatch(trx, batch, logged !== unique, now))) return 0;
      }
      const added = new Set<string>();
      const insertLog = this.insertLog;
      if (insertLog) {
        // Synchronous, on the transaction's own connection, without a turn of the event loop in
        // between: another connection to the file in this process (a second gateway in a test, a
        // tool) writing during such a turn would wait for the lock on the only thread that could
        // release it, for the whole busy timeout.
        for (const { log } of logged) if (insertLog(log)) added.add(log.request_id);
      }
      for (const part of insertLog ? [] : chunks(logged)) {
        const inserted = await this.insertLogs(trx, part);
        for (const { request_id } of inserted) added.add(request_id);
      }
      if (logged !== unique) {
        for (const { log, unlogged } of unique) if (unlogged) added.add(log.request_id);
      }
      const booked = unique.filter((r) => added.has(r.log.request_id));
      if (booked.length === 0) return 0;
      await this.insertPayloads(trx, booked);
      await this.addToScopes(trx, booked, { ...options, now });
      await this.addToDaily(trx, booked);
      return booked.length;
    });
  }

  /**
   * Deletes the ids of batches known to be written (and any older than a week) and, when the
   * batch holds unlogged rows, stores its id: false when it was already there (the batch was
   * booked by an earlier attempt whose commit was not acknowledged).
   */
  private async claimBatch(
    trx: Db,
    batch: { id: string; forget: readonly string[] },
    store: boolean,
    now: number,
  ): Promise<boolean> {
    const old = new Date(now - BATCH_ID_KEEP_MS).toISOString();
    await trx
      .deleteFrom('spend_batches')
      .where((eb) =>
        batch.forget.length > 0
          ? eb.or([eb('batch_id', 'in', batch.forget), eb('written_at', '<', old)])
          : eb('written_at', '<', old),
      )
      .execute();
    if (!store) return true;
    const stored = await trx
      .insertInto('spend_batches')
      .values({ batch_id: batch.id, written_at: new Date(now).toISOString() })
      .onConflict((oc) => oc.column('batch_id').doNothing())
      .executeTakeFirst();
    return Number(stored.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Keeps what the calls that have a payload asked and answered. */
  private async insertPayloads(trx: Db, booked: readonly SpendRow[]): Promise<void> {
    const rows: { request_id: string; startTime: string; messages: string; response: string }[] =
      [];
    for (const { log, payload } of booked) {
      if (!payload) continue;
      if (this.insertPayload) this.insertPayload(log.request_id, log.startTime, payload);
      else rows.push({ request_id: log.request_id, startTime: log.startTime, ...payload });
    }
    for (const part of chunks(rows)) {
      await trx
        .insertInto('spend_log_payloads')
        .values(part)
        .onConflict((oc) => oc.column('request_id').doNothing())
        .execute();
    }
  }

  /** Inserts spend log rows that are not there yet; returns the ids of those it added. */
  private async insertLogs(
    trx: Db,
    rows: readonly SpendRow[],
  ): Promise<readonly { request_id: string }[]> {
    if (this.dialect === 'postgres') {
      const values = rows.map((r) => logValues(r.log));
      const query = CompiledQuery.raw(
        PG_INSERT_LOGS,
        LOG_COLUMNS.map((_, column) => pgArrayLiteral(values, column)),
      );
      const { rows: inserted } = await trx.executeQuery<{ request_id: string }>(query);
      return inserted;
    }
    return trx
      .insertInto('spend_logs')
      .values(rows.map((r) => r.log))
      .onConflict((oc) => oc.column('request_id').doNothing())
      .returning('request_id')
      .execute();
  }

  /**
   * Deletes at most `limit` spend log rows that started before `cutoff` (ISO time), oldest first
   * by the start-time index; resolves to how many went. Totals and daily aggregates stay.
   */
  async deleteLogsBefore(cutoff: string, limit: number): Promise<number> {
    const { numAffectedRows } = await this.db.executeQuery(
      this.dialect === 'sqlite'
        ? sql`delete from spend_logs where rowid in (select rowid from spend_logs where "startTime" < ${cutoff} order by "startTime" limit ${limit})`.compile(
            this.db,
          )
        : sql`delete from spend_logs where request_id in (select request_id from spend_logs where "startTime" < ${cutoff} order by "startTime" limit ${limit})`.compile(
            this.db,
          ),
    );
    return Number(numAffectedRows ?? 0);
  }

  /**
   * Deletes at most `limit` kept requests and answers (`spend_log_payloads`) of calls that started
   * before `cutoff`, oldest first; resolves to how many went.
   */
  async deletePayloadsBefore(cutoff: string, limit: number): Promise<number> {
    const { numAffectedRows } = await this.db.executeQuery(
      sql`delete from spend_log_payloads where request_id in (select request_id from spend_log_payloads where "startTime" < ${cutoff} order by "startTime" limit ${limit})`.compile(
        this.db,
      ),
    );
    return Number(numAffectedRows ?? 0);
  }

  /** Every budget routing keeps to with its stored spend (`route_budget_spend`). */
  async routeBudgetSpend(): Promise<RouteSpendRow[]> {
    return this.db
      .selectFrom('route_budget_spend')
      .select(['kind', 'id', 'spend', 'budget_reset_at'])
      .execute();
  }

  /** How many spend log rows started before `cutoff` (ISO time). */
  async countLogsBefore(cutoff: string): Promise<number> {
    const row = await this.db
      .selectFrom('spend_logs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('startTime', '<', cutoff)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes the per-tag daily totals of days before `date` (`YYYY-MM-DD`); resolves to how many. */
  async deleteDailyTagSpendBefore(date: string): Promise<number> {
    const result = await this.db
      .deleteFrom('daily_tag_spend')
      .where('date', '<', date)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** `POST /global/spend/reset`: every key's and team's spend back to 0; the logs stay. */
  async resetKeyAndTeamSpend(): Promise<void> {
    await transact(this.db, async (trx) => {
      await trx.updateTable('keys').set({ spend: 0 }).execute();
      await trx.updateTable('teams').set({ spend: 0 }).execute();
    });
  }

  private async addToScopes(
    trx: Db,
    booked: readonly SpendRow[],
    { now, calendar = BudgetCalendar.UNALIGNED, notices }: RecordOptions & { now: number },
  ): Promise<void> {
    const keys = new Map<string, number>();
    const users = new Map<string, number>();
    const teams = new Map<string, number>();
    const customers = new Map<string, number>();
    const organizations = new Map<string, number>();
    const tags = new Map<string, number>();
    const members = new Map<
      string,
      { teamId: string; userId: string; cost: number; resetAt: string | undefined }
    >();
    for (const { log, memberResetAt, organizationId, storedTags } of booked) {
      const cost = log.spend;
      // A call that failed and cost nothing changes no total (nor makes its customer): it is in
      // the log and the daily counts of failed calls only.
      if (log.status === 'failure' && !(cost > 0)) continue;
      if (log.api_key !== '') add(keys, log.api_key, cost);
      if (log.user !== '') add(users, log.user, cost);
      if (log.team_id) add(teams, log.team_id, cost);
      if (log.end_user !== '') add(customers, log.end_user, cost);
      if (organizationId) add(organizations, organizationId, cost);
      if (storedTags) for (const tag of new Set(storedTags)) add(tags, tag, cost);
      if (log.team_id && log.user !== '') {
        const id = `${log.team_id}\u0000${log.user}\u0000${memberResetAt ?? ''}`;
        const member = members.get(id) ?? {
          teamId: log.team_id,
          userId: log.user,
          cost: 0,
          resetAt: memberResetAt,
        };
        member.cost += cost;
        members.set(id, member);
      }
    }
    await this.createCustomers(trx, [...customers.keys()], now);
    await addToWindowed(trx, 'keys', keys, { now, calendar, notices });
    await addToWindowed(trx, 'users', users, { now, calendar });
    await addToWindowed(trx, 'teams', teams, { now, calendar, notices });
    await addToWindowed(trx, 'customers', customers, { now, calendar });
    await addToWindowed(trx, 'organizations', organizations, { now, calendar });
    await addToWindowed(trx, 'tags', tags, { now, calendar });
    await addToModelSpend(trx, booked);
    await addToRouteSpend(trx, booked);
    // Earlier windows first, so a batch that spans a window's end ends in the later one.
    const byWindow = [...members.values()].sort((a, b) =>
      (a.resetAt ?? '') < (b.resetAt ?? '') ? -1 : (a.resetAt ?? '') > (b.resetAt ?? '') ? 1 : 0,
    );
    for (const m of byWindow) await addToMember(trx, m);
  }

  /** A customer is created on its first spend, as LiteLLM upserts its end-user row. */
  private async createCustomers(trx: Db, ids: readonly string[], now: number): Promise<void> {
    const at = new Date(now).toISOString();
    for (const part of chunks(ids)) {
      await trx
        .insertInto('customers')
        .values(
          part.map((user_id) => ({
            user_id,
            alias: null,
            spend: 0,
            max_budget: null,
            budget_duration: null,
            budget_reset_at: null,
            tpm_limit: null,
            rpm_limit: null,
            blocked: 0,
            allowed_model_region: null,
            default_model: null,
            metadata: '{}',
            created_at: at,
            updated_at: at,
          })),
        )
        .onConflict((oc) => oc.column('user_id').doNothing())
        .execute();
    }
  }

  private async addToDaily(trx: Db, booked: readonly SpendRow[]): Promise<void> {
    const daily = new Map<string, DailyRow>();
    const tags = new Map<string, TagRow>();
    // Calls in a row nearly always share their key, user, team, customer and model: the group
    // of the last one is tried first, by comparing its eight values, before a map key is built.
    let last: DailyRow | undefined;
    let lastOfGroup: DailyRow | undefined;
    let group = '';
    for (const { log, tags: rowTags } of booked) {
      const date = log.startTime.slice(0, 10);
      const dims = {
        date,
        api_key: log.api_key,
        user_id: log.user,
        team_id: log.team_id ?? '',
        end_user: log.end_user,
        model_group: log.model_group ?? '',
        model: log.model,
        custom_llm_provider: log.custom_llm_provider ?? '',
      };
      if (last === undefined || !sameDimensions(last, dims)) {
        const id =
          date +
          part(dims.api_key) +
          part(dims.user_id) +
          part(dims.team_id) +
          part(dims.end_user) +
          part(dims.model_group) +
          part(dims.model) +
          part(dims.custom_llm_provider);
        last = daily.get(id);
        if (last === undefined) {
          last = { ...dims, ...zeroTotals() };
          daily.set(id, last);
        }
      }
      addTotals(last, log);
      if (rowTags.length === 0) continue;
      // The tag totals share the row's key, model group, model and provider (`last`'s).
      if (lastOfGroup !== last) {
        lastOfGroup = last;
        group =
          part(last.api_key) +
          part(last.model_group) +
          part(last.model) +
          part(last.custom_llm_provider);
      }
      for (const tag of rowTags.length === 1 ? rowTags : new Set(rowTags)) {
        const id = date + part(tag) + group;
        let row = tags.get(id);
        if (row === undefined) {
          row = {
            date,
            tag,
            api_key: last.api_key,
            model_group: last.model_group,
            model: last.model,
            custom_llm_provider: last.custom_llm_provider,
            ...zeroTotals(),
          };
          tags.set(id, row);
        }
        addTotals(row, log);
      }
    }
    for (const part of chunks([...daily.values()])) {
      await trx
        .insertInto('daily_spend')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns([
              'date',
              'api_key',
              'user_id',
              'team_id',
              'end_user',
              'model_group',
              'model',
              'custom_llm_provider',
            ])
            .doUpdateSet((eb) => addExcluded(eb, 'daily_spend')),
        )
        .execute();
    }
    for (const part of chunks([...tags.values()])) {
      await trx
        .insertInto('daily_tag_spend')
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(['date', 'tag', 'api_key', 'model_group', 'model', 'custom_llm_provider'])
            .doUpdateSet((eb) => addExcluded(eb, 'daily_tag_spend')),
        )
        .execute();
    }
  }
}

type DailyRow = DatabaseSchema['daily_spend'];
type TagRow = DatabaseSchema['daily_tag_spend'];

const TOTALS = [
  'spend',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'api_requests',
  'successful_requests',
  'failed_requests',
] as const satisfies readonly (keyof SpendTotals)[];

/**
 * One dimension of an aggregate's map key: its length, then its text. Prefixed by their lengths,
 * two different lists of values never spell the same key, whatever characters they hold, at a
 * fraction of the cost of `JSON.stringify` of the list (which escapes every character).
 */
function part(value: string): string {
  return `|${value.length}:${value}`;
}

function sameDimensions(row: DailyRow, dims: Omit<DailyRow, keyof SpendTotals>): boolean {
  return (
    row.api_key === dims.api_key &&
    row.date === dims.date &&
    row.user_id === dims.user_id &&
    row.team_id === dims.team_id &&
    row.end_user === dims.end_user &&
    row.model_group === dims.model_group &&
    row.model === dims.model &&
    row.custom_llm_provider === dims.custom_llm_provider
  );
}

function addTotals(row: SpendTotals, log: SpendLogTable): void {
  row.spend += log.spend;
  row.prompt_tokens += Number(log.prompt_tokens);
  row.completion_tokens += Number(log.completion_tokens);
  row.total_tokens += Number(log.total_tokens);
  row.api_requests += 1;
  if (log.status === 'success') row.successful_requests += 1;
  else row.failed_requests += 1;
}

function zeroTotals(): SpendTotals {
  return {
    spend: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    api_requests: 0,
    successful_requests: 0,
    failed_requests: 0,
  };
}

/** `total = table.total + excluded.total` for every total column of an aggregate upsert. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same columns on both aggregate tables
function addExcluded(eb: any, table: 'daily_spend' | 'daily_tag_spend'): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const column of TOTALS) {
    set[column] = eb(`${table}.${column}`, '+', eb.ref(`excluded.${column}`));
  }
  return set;
}

/** Adds each scope's cost, or starts its new window with it when the stored one has passed. */
async function addToWindowed(
  trx: Db,
  table: WindowedTable,
  costs: ReadonlyMap<string, number>,
  at: { now: number; calendar: BudgetCalendar; notices?: BudgetNotice[] },
): Promise<void> {
  const { now, calendar, notices } = at;
  if (costs.size === 0) return;
  const idColumn = ID_COLUMN[table];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the windowed tables share these columns under different id names
  const db = trx as Kysely<any>;
  const soft = table === 'keys' || table === 'teams';
  const windows = new Map<
    string,
    {
      resetAt: string | null;
      duration: string | null;
      spend: number;
      softBudget: number | null;
      maxBudget: number | null;
      alias: string | null;
      userId?: string | null;
      teamId?: string | null;
    }
  >();
  // A key or customer may name a shared budget (`budget_id`) whose duration it resets by.
  const shared =
    table === 'customers' || table === 'keys' || table === 'organizations' || table === 'tags';
  const onBudget = new Map<string, string>();
  for (const part of chunks([...costs.keys()])) {
    const rows = (await db
      .selectFrom(table)
      .select([`${idColumn} as id`, 'budget_reset_at', 'budget_duration', 'spend'])
      .$if(soft, (q) => q.select(['soft_budget', 'max_budget']))
      .$if(table === 'keys', (q) => q.select(['key_alias as alias', 'user_id', 'team_id']))
      .$if(table === 'teams', (q) => q.select('team_alias as alias'))
      .$if(shared, (q) => q.select('budget_id'))
      .where(idColumn, 'in', part)
      .execute()) as {
      id: string;
      budget_reset_at: string | null;
      budget_duration: string | null;
      spend: number;
      soft_budget?: number | null;
      max_budget?: number | null;
      alias?: string | null;
      user_id?: string | null;
      team_id?: string | null;
      budget_id?: string | null;
    }[];
    for (const r of rows) {
      windows.set(r.id, {
        resetAt: r.budget_reset_at,
        duration: r.budget_duration,
        spend: Number(r.spend),
        softBudget: r.soft_budget ?? null,
        maxBudget: r.max_budget ?? null,
        alias: r.alias ?? null,
        userId: r.user_id,
        teamId: r.team_id,
      });
      if (r.budget_duration === null && r.budget_id) onBudget.set(r.id, r.budget_id);
    }
  }
  // Read only when some row resets by its budget's duration: most name no budget.
  if (onBudget.size > 0) {
    const durations = new Map<string, string | null>();
    for (const part of chunks([...new Set(onBudget.values())])) {
      const budgets = await trx
        .selectFrom('budgets')
        .select(['budget_id', 'budget_duration'])
        .where('budget_id', 'in', part)
        .execute();
      for (const b of budgets) durations.set(b.budget_id, b.budget_duration);
    }
    for (const [id, budgetId] of onBudget) {
      const stored = windows.get(id);
      if (stored) stored.duration = durations.get(budgetId) ?? null;
    }
  }
  for (const [id, cost] of costs) {
    const stored = windows.get(id);
    if (!stored) continue;
    const window = calendar.window(stored.resetAt, stored.duration, now);
    if (notices && soft) {
      const before = window.rolled ? 0 : stored.spend;
      const after = before + cost;
      // A max_budget is never overspent (admission refuses first): its alert is the refusal's.
      const limit = stored.softBudget;
      if (limit !== null && before < limit && after >= limit) {
        notices.push({
          kind: table === 'keys' ? 'key' : 'team',
          id,
          threshold: 'soft_budget',
          limit,
          spend: after,
          maxBudget: stored.maxBudget,
          alias: stored.alias,
          ...(table === 'keys' && { userId: stored.userId, teamId: stored.teamId }),
        });
      }
    }
    if (!window.rolled || stored.resetAt === null) {
      await db
        .updateTable(table)
        .set((eb) => ({ spend: eb('spend', '+', cost) }))
        .where(idColumn, '=', id)
        .execute();
      continue;
    }
    const next = window.resetAt === null ? null : new Date(window.resetAt).toISOString();
    // Compared with the value read: if another replica rolled the window meanwhile, add instead.
    await db
      .updateTable(table)
      .set((eb) => ({
        spend: eb
          .case()
          .when('budget_reset_at', '=', stored.resetAt)
          .then(cost)
          .else(eb('spend', '+', cost))
          .end(),
        budget_reset_at: eb
          .case()
          .when('budget_reset_at', '=', stored.resetAt)
          .then(next)
          .else(eb.ref('budget_reset_at'))
          .end(),
      }))
      .where(idColumn, '=', id)
      .execute();
  }
}

/**
 * Adds a member's cost: to its spend when its budget has no window; in its window otherwise,
 * like a key's model budget (`addToModelSpend`): added in the stored window (the first window
 * stored keeps the spend there was), starting a later one, and left out of a window that has
 * already been replaced.
 */
async function addToMember(
  trx: Db,
  m: { teamId: string; userId: string; cost: number; resetAt: string | undefined },
): Promise<void> {
  const { resetAt, cost } = m;
  await trx
    .updateTable('team_members')
    .set((eb) => {
      if (resetAt === undefined) return { spend: eb('spend', '+', cost) };
      const unset = eb('budget_reset_at', 'is', null);
      return {
        spend: eb
          .case()
          .when(eb.or([unset, eb('budget_reset_at', '=', resetAt)]))
          .then(eb('spend', '+', cost))
          .when('budget_reset_at', '<', resetAt)
          .then(cost)
          .else(eb.ref('spend'))
          .end(),
        budget_reset_at: eb
          .case()
          .when(eb.or([unset, eb('budget_reset_at', '<', resetAt)]))
          .then(resetAt)
          .else(eb.ref('budget_reset_at'))
          .end(),
      };
    })
    .where('team_id', '=', m.teamId)
    .where('user_id', '=', m.userId)
    .execute();
}

/**
 * Adds each key's per-model costs to `key_model_spend`, window by window: a cost in the stored
 * window is added, one in a later window (or after the budget's period changed) starts it, and one
 * in an earlier window than the stored one (a late booking from another replica) leaves the row
 * alone; it is in the spend log all the same.
 */
async function addToModelSpend(trx: Db, booked: readonly SpendRow[]): Promise<void> {
  const sums = new Map<string, ModelSpendTarget & { spend: number }>();
  for (const { log, modelSpend } of booked) {
    if (!modelSpend) continue;
    const id = `${modelSpend.token}\u0000${modelSpend.model}\u0000${modelSpend.budgetResetAt}`;
    const sum = sums.get(id) ?? { ...modelSpend, spend: 0 };
    sum.spend += log.spend;
    sums.set(id, sum);
  }
  for (const sum of earlierWindowsFirst(sums.values())) {
    await trx
      .insertInto('key_model_spend')
      .values({
        token: sum.token,
        model: sum.model,
        spend: sum.spend,
        budget_reset_at: sum.budgetResetAt,
      })
      .onConflict((oc) =>
        oc.columns(['token', 'model']).doUpdateSet(addedInWindow('key_model_spend')),
      )
      .execute();
  }
}

/**
 * Adds the costs of calls to the budgets routing keeps to (`route_budget_spend`: a provider's, a
 * deployment's), window by window as `addToModelSpend` does.
 */
async function addToRouteSpend(trx: Db, booked: readonly SpendRow[]): Promise<void> {
  const sums = new Map<string, RouteSpendTarget & { spend: number }>();
  for (const { log, routeSpend } of booked) {
    if (!routeSpend || !(log.spend > 0)) continue;
    for (const target of routeSpend) {
      const id = `${target.kind}\u0000${target.id}\u0000${target.budgetResetAt}`;
      const sum = sums.get(id) ?? { ...target, spend: 0 };
      sum.spend += log.spend;
      sums.set(id, sum);
    }
  }
  for (const sum of earlierWindowsFirst(sums.values())) {
    await trx
      .insertInto('route_budget_spend')
      .values({
        kind: sum.kind,
        id: sum.id,
        spend: sum.spend,
        budget_reset_at: sum.budgetResetAt,
      })
      .onConflict((oc) =>
        oc.columns(['kind', 'id']).doUpdateSet(addedInWindow('route_budget_spend')),
      )
      .execute();
  }
}

/** Earlier windows first, so a batch that spans a window's end ends in the later one. */
function earlierWindowsFirst<T extends { budgetResetAt: string }>(sums: Iterable<T>): T[] {
  return [...sums].sort((a, b) =>
    a.budgetResetAt < b.budgetResetAt ? -1 : a.budgetResetAt > b.budgetResetAt ? 1 : 0,
  );
}

/**
 * The upsert of a windowed spend row: a cost in the stored window is added, one in a later window
 * (or after the budget's period changed) starts it, and one in an earlier window than the stored
 * one (a late booking from another replica) leaves the row alone.
 */
function addedInWindow(table: 'key_model_spend' | 'route_budget_spend') {
  const stored = sql.ref(`${table}.budget_reset_at`);
  const spend = sql.ref(`${table}.spend`);
  const incoming = sql.ref('excluded.budget_reset_at');
  // The stored window is later than the incoming one: both are real windows, not ''.
  const older = sql`(${incoming} <> '' and ${stored} <> '' and ${incoming} < ${stored})`;
  return {
    spend: sql<number>`case when ${stored} = ${incoming} then ${spend} + ${sql.ref('excluded.spend')} when ${older} then ${spend} else ${sql.ref('excluded.spend')} end`,
    budget_reset_at: sql<string>`case when ${older} then ${stored} else ${incoming} end`,
  };
}

function add(map: Map<string, number>, id: string, cost: number): void {
  map.set(id, (map.get(id) ?? 0) + cost);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
