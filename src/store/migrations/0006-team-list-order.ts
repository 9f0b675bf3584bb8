/**
 * `/v2/team/list` reads a page of teams in their listing order (named teams by alias, then the
 * unnamed ones, ties by id) straight off this index, so a deep page of 100k teams does not sort
 * them all. The expression is the one the query orders by, as both databases require to use it.
 */
import { sql, type Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await sql`create index teams_list_order on teams ((case when team_alias is null then 1 else 0 end), team_alias, team_id)`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('teams_list_order').ifExists().execute();
}
