/**
 * The per-tag daily totals gain the dimensions of `/tag/daily/activity` (LiteLLM's
 * DailyTagSpend): per UTC day × tag × key × model group × model × provider, so a tag's usage can
 * be broken down by model, provider and key. Rows written before keep their totals under empty
 * dimensions (shown as `unknown`); every reader sums over the dimensions it does not name.
 */
import { sql, type Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

const TOTALS =
  'spend, prompt_tokens, completion_tokens, total_tokens, api_requests, successful_requests, failed_requests';
const DIMENSIONS = ['api_key', 'model_group', 'model', 'custom_llm_provider'] as const;

type CreateTable = ReturnType<AnyDb['schema']['createTable']>;

/** The totals every daily aggregate has (as migration 0004 made them). */
function withTotals(table: CreateTable): CreateTable {
  return table
    .addColumn('spend', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('api_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('successful_requests', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_requests', 'bigint', (c) => c.notNull().defaultTo(0));
}

export async function up(db: AnyDb): Promise<void> {
  let table = db.schema
    .createTable('daily_tag_spend_dims')
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull());
  for (const column of DIMENSIONS) {
    table = table.addColumn(column, 'text', (c) => c.notNull().defaultTo(''));
  }
  await withTotals(table)
    .addPrimaryKeyConstraint('daily_tag_spend_dims_pk', ['date', 'tag', ...DIMENSIONS] as never)
    .execute();
  await sql
    .raw(
      `insert into daily_tag_spend_dims (date, tag, ${TOTALS}) select date, tag, ${TOTALS} from daily_tag_spend`,
    )
    .execute(db);
  await db.schema.dropTable('daily_tag_spend').execute();
  await db.schema.alterTable('daily_tag_spend_dims').renameTo('daily_tag_spend').execute();
  await db.schema
    .createIndex('daily_tag_spend_tag_date')
    .on('daily_tag_spend')
    .columns(['tag', 'date'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('daily_tag_spend_tag_date').ifExists().execute();
  await db.schema.alterTable('daily_tag_spend').renameTo('daily_tag_spend_dims').execute();
  await withTotals(
    db.schema
      .createTable('daily_tag_spend')
      .addColumn('date', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull()),
  )
    .addPrimaryKeyConstraint('daily_tag_spend_pk', ['date', 'tag'] as never)
    .execute();
  const sums = TOTALS.split(', ')
    .map((c) => `sum(${c})`)
    .join(', ');
  await sql
    .raw(
      `insert into daily_tag_spend (date, tag, ${TOTALS}) select date, tag, ${sums} from daily_tag_spend_dims group by date, tag`,
    )
    .execute(db);
  await db.schema.dropTable('daily_tag_spend_dims').execute();
}
