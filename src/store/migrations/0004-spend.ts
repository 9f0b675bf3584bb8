/**
 * Spend: one row per call in `spend_logs` (LiteLLM's SpendLogs, same column names so its JSON
 * comes out as LiteLLM's), and daily aggregates that the reports read instead of scanning the
 * log: per day × key × user × team × customer × model, and per day × tag. Times are ISO-8601 UTC
 * text like every other table; `date` is the UTC day (`YYYY-MM-DD`) of the call's start.
 * Aggregate dimensions are '' rather than NULL so that they can be part of a primary key.
 */
import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

const money = 'double precision' as const;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('spend_logs')
    .addColumn('request_id', 'text', (c) => c.primaryKey())
    .addColumn('call_type', 'text', (c) => c.notNull())
    .addColumn('api_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('total_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('startTime', 'text', (c) => c.notNull())
    .addColumn('endTime', 'text', (c) => c.notNull())
    .addColumn('request_duration_ms', 'bigint')
    .addColumn('model', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('model_id', 'text')
    .addColumn('model_group', 'text')
    .addColumn('custom_llm_provider', 'text')
    .addColumn('api_base', 'text')
    .addColumn('user', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('team_id', 'text')
    .addColumn('end_user', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('request_tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('cache_hit', 'text', (c) => c.notNull().defaultTo('False'))
    .addColumn('cache_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('success'))
    .execute();
  // The report filters: a date range alone, or with one key, user, team or customer.
  for (const column of ['api_key', 'user', 'team_id', 'end_user'] as const) {
    await db.schema
      .createIndex(`spend_logs_${column}_start`)
      .on('spend_logs')
      .columns([column, 'startTime'])
      .execute();
  }
  await db.schema.createIndex('spend_logs_start').on('spend_logs').column('startTime').execute();

  await db.schema
    .createTable('daily_spend')
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('api_key', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('end_user', 'text', (c) => c.notNull())
    .addColumn('model_group', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('custom_llm_provider', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_spend_pk', [
      'date',
      'api_key',
      'user_id',
      'team_id',
      'end_user',
      'model_group',
      'model',
      'custom_llm_provider',
    ])
    .$call(addTotals)
    .execute();
  for (const column of ['api_key', 'user_id', 'team_id', 'end_user'] as const) {
    await db.schema
      .createIndex(`daily_spend_${column}`)
      .on('daily_spend')
      .columns([column, 'date'])
      .execute();
  }

  await db.schema
    .createTable('daily_tag_spend')
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('daily_tag_spend_pk', ['date', 'tag'])
    .$call(addTotals)
    .execute();
}

type CreateTable = ReturnType<AnyDb['schema']['createTable']>;

function addTotals(table: CreateTable): CreateTable {
  return table
    .addColumn('spend', money, (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('api_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('successful_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_requests', 'bigint', (c) => c.notNull().defaultTo(0));
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['daily_tag_spend', 'daily_spend', 'spend_logs']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
