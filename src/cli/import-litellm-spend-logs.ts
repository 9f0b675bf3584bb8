/**
 * `tollgate import-litellm --with-spend-logs`: LiteLLM_SpendLogs rows copied into Tollgate's
 * spend_logs page by page, idempotent by request_id (a row already there is left alone), then the
 * daily aggregates the spend reports read are rebuilt from the log for the days the new rows
 * fall on. The totals of keys, users and teams are not touched here: they come over with their
 * objects, as LiteLLM summed them.
 */
import { sql, type Kysely } from 'kysely';
import type {
  DailyTagSpendTable,
  DatabaseSchema,
  SpendLogTable,
  SpendTotals,
} from '../store/schema.js';
import { transact } from '../store/transact.js';
import { toSpendLog } from './import-litellm-mapping.js';
import type { LiteLLMSource } from './import-litellm-source.js';

type Db = Kysely<DatabaseSchema>;

export interface SpendLogImport {
  /** Rows read from LiteLLM. */
  read: number;
  /** Rows that were (or, in a dry run, would be) added. */
  added: number;
  /** The UTC days whose aggregates were rebuilt, when rows were added. */
  days?: { from: string; to: string };
}

export async function importSpendLogs(
  source: LiteLLMSource,
  db: Db,
  options: { dryRun: boolean },
): Promise<SpendLogImport> {
  const result: SpendLogImport = { read: 0, added: 0 };
  for await (const page of source.spendLogs()) {
    const logs = [...new Map(page.map((row) => [row.request_id, toSpendLog(row)])).values()];
    result.read += page.length;
    const added = options.dryRun ? await missing(db, logs) : await insertNew(db, logs);
    result.added += added.length;
    for (const log of added) {
      const day = log.startTime.slice(0, 10);
      result.days = {
        from: result.days && result.days.from < day ? result.days.from : day,
        to: result.days && result.days.to > day ? result.days.to : day,
      };
    }
  }
  if (!options.dryRun && result.days) await rebuildDaily(db, result.days);
  return result;
}

async function insertNew(db: Db, logs: SpendLogTable[]): Promise<SpendLogTable[]> {
  const ids = new Set<string>();
  // Rows per statement: 23 columns each stay far below SQLite's bound-parameter limit.
  for (let i = 0; i < logs.length; i += 400) {
    const inserted = await db
      .insertInto('spend_logs')
      .values(logs.slice(i, i + 400))
      .onConflict((oc) => oc.column('request_id').doNothing())
      .returning('request_id')
      .execute();
    for (const { request_id } of inserted) ids.add(request_id);
  }
  return logs.filter((log) => ids.has(log.request_id));
}

async function missing(db: Db, logs: SpendLogTable[]): Promise<SpendLogTable[]> {
  if (logs.length === 0) return [];
  const found = await db
    .selectFrom('spend_logs')
    .select('request_id')
    .where(
      'request_id',
      'in',
      logs.map((l) => l.request_id),
    )
    .execute();
  const ids = new Set(found.map((r) => r.request_id));
  return logs.filter((log) => !ids.has(log.request_id));
}

/**
 * The aggregates of the days `from`..`to` (inclusive), recomputed from every log row of those
 * days: the imported ones and any the gateway booked itself.
 */
export async function rebuildDaily(db: Db, days: { from: string; to: string }): Promise<void> {
  const end = nextDay(days.to);
  await transact(db, async (trx) => {
    await trx
      .deleteFrom('daily_spend')
      .where('date', '>=', days.from)
      .where('date', '<=', days.to)
      .execute();
    await trx
      .deleteFrom('daily_tag_spend')
      .where('date', '>=', days.from)
      .where('date', '<=', days.to)
      .execute();
    const date = sql<string>`substr(${sql.ref('startTime')}, 1, 10)`;
    const teamId = sql<string>`coalesce(${sql.ref('team_id')}, '')`;
    const modelGroup = sql<string>`coalesce(${sql.ref('model_group')}, '')`;
    const provider = sql<string>`coalesce(${sql.ref('custom_llm_provider')}, '')`;
    const succeeded = sql<number>`sum(case when ${sql.ref('status')} = 'success' then 1 else 0 end)`;
    const failed = sql<number>`sum(case when ${sql.ref('status')} = 'success' then 0 else 1 end)`;
    await trx
      .insertInto('daily_spend')
      .columns([
        'date',
        'api_key',
        'user_id',
        'team_id',
        'end_user',
        'model_group',
        'model',
        'custom_llm_provider',
        'spend',
        'prompt_tokens',
        'completion_tokens',
        'total_tokens',
        'api_requests',
        'successful_requests',
        'failed_requests',
      ])
      .expression(
        trx
          .selectFrom('spend_logs')
          .select((eb) => [
            date.as('date'),
            'api_key',
            'user',
            teamId.as('team_id'),
            'end_user',
            modelGroup.as('model_group'),
            'model',
            provider.as('custom_llm_provider'),
            eb.fn.sum<number>('spend').as('spend'),
            eb.fn.sum<number>('prompt_tokens').as('prompt_tokens'),
            eb.fn.sum<number>('completion_tokens').as('completion_tokens'),
            eb.fn.sum<number>('total_tokens').as('total_tokens'),
            eb.fn.countAll<number>().as('api_requests'),
            succeeded.as('successful_requests'),
            failed.as('failed_requests'),
          ])
          .where('startTime', '>=', days.from)
          .where('startTime', '<', end)
          .groupBy([date, 'api_key', 'user', teamId, 'end_user', modelGroup, 'model', provider]),
      )
      .execute();
    await rebuildTagDays(trx, days.from, end);
  });
}

/** Tags live in JSON text, which SQLite and PostgreSQL unpack differently: summed here instead. */
async function rebuildTagDays(trx: Db, from: string, end: string): Promise<void> {
  const totals = new Map<string, TagDay>();
  let after = '';
  for (;;) {
    const rows = await trx
      .selectFrom('spend_logs')
      .select([
        'request_id',
        'startTime',
        'request_tags',
        'api_key',
        'model_group',
        'model',
        'custom_llm_provider',
        'spend',
        'prompt_tokens',
        'completion_tokens',
        'total_tokens',
        'status',
      ])
      .where('startTime', '>=', from)
      .where('startTime', '<', end)
      .where('request_tags', '<>', '[]')
      .where('request_id', '>', after)
      .orderBy('request_id')
      .limit(2000)
      .execute();
    for (const row of rows) {
      const date = row.startTime.slice(0, 10);
      const dims = {
        api_key: row.api_key,
        model_group: row.model_group ?? '',
        model: row.model,
        custom_llm_provider: row.custom_llm_provider ?? '',
      };
      for (const tag of new Set(tagsOf(row.request_tags))) {
        const id = JSON.stringify([date, tag, ...Object.values(dims)]);
        const total = totals.get(id) ?? { date, tag, ...dims, ...ZERO };
        total.spend += Number(row.spend);
        total.prompt_tokens += Number(row.prompt_tokens);
        total.completion_tokens += Number(row.completion_tokens);
        total.total_tokens += Number(row.total_tokens);
        total.api_requests += 1;
        if (row.status === 'success') total.successful_requests += 1;
        else total.failed_requests += 1;
        totals.set(id, total);
      }
    }
    if (rows.length < 2000) break;
    after = rows.at(-1)?.request_id ?? after;
  }
  const all = [...totals.values()];
  for (let i = 0; i < all.length; i += 500) {
    await trx
      .insertInto('daily_tag_spend')
      .values(all.slice(i, i + 500))
      .execute();
  }
}

/** A row of `daily_tag_spend`: a day × tag × key × model group × model × provider. */
type TagDay = DailyTagSpendTable;

const ZERO: SpendTotals = {
  spend: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  api_requests: 0,
  successful_requests: 0,
  failed_requests: 0,
};

function tagsOf(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
