/**
 * Reads a LiteLLM proxy's PostgreSQL database for `tollgate import-litellm`: Prisma's layout, with
 * quoted PascalCase tables, `text[]` lists, `jsonb` objects and `timestamp(3)` columns that hold
 * UTC without saying so. Only the columns Tollgate carries over are read, and of those only the
 * ones the database has, since older LiteLLM versions lack some. Prisma's `?schema=NAME` in the
 * URL picks the schema, as it does for LiteLLM itself.
 */
import pg from 'pg';
import { z } from 'zod';
import { CliError } from './cli-error.js';
import {
  budgetRow,
  endUserRow,
  keyRow,
  membershipRow,
  modelAliasesRow,
  organizationMembershipRow,
  organizationRow,
  spendLogRow,
  tagRow,
  teamRow,
  userRow,
  type BudgetRow,
  type EndUserRow,
  type KeyRow,
  type MembershipRow,
  type OrganizationMembershipRow,
  type OrganizationRow,
  type SpendLogRow,
  type TagRow,
  type TeamRow,
  type UserRow,
} from './import-litellm-rows.js';

/** Everything but the spend logs, which are read page by page. */
export interface LiteLLMData {
  users: UserRow[];
  teams: TeamRow[];
  memberships: MembershipRow[];
  keys: KeyRow[];
  endUsers: EndUserRow[];
  /** LiteLLM_OrganizationTable and LiteLLM_OrganizationMembership, empty in older databases. */
  organizations: OrganizationRow[];
  organizationMemberships: OrganizationMembershipRow[];
  /** LiteLLM_TagTable, empty in older databases. */
  tags: TagRow[];
  budgets: Map<string, BudgetRow>;
  /** LiteLLM_ModelTable: a team's `model_id` → its model aliases. */
  modelAliases: Map<number, unknown>;
}

const OID_TIMESTAMP = 1114;

export class LiteLLMSource {
  private constructor(
    private readonly client: pg.Client,
    /** The URL without its password, and the schema read. */
    readonly description: string,
  ) {}

  static async connect(url: string): Promise<LiteLLMSource> {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new CliError(`--from must be a postgresql:// URL of the LiteLLM database`);
    }
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(schema)) {
      throw new CliError(`--from: invalid schema name "${schema}"`);
    }
    const client = new pg.Client({
      connectionString: parsed.toString(),
      types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
      ...(schema ? { options: `-c search_path="${schema}"` } : {}),
    });
    try {
      await client.connect();
    } catch (error: unknown) {
      throw new CliError(`cannot connect to the LiteLLM database: ${(error as Error).message}`);
    }
    // A dropped connection must not crash the process; the next query reports it.
    client.on('error', () => undefined);
    parsed.password = '';
    return new LiteLLMSource(client, parsed.toString());
  }

  async readAll(): Promise<LiteLLMData> {
    const required = async <T>(table: string, schema: z.ZodType<T>) => {
      const rows = await this.readTable(table, schema);
      if (rows === undefined) {
        throw new CliError(
          `the database has no "${table}" table: is --from a LiteLLM database (and its ?schema=)?`,
        );
      }
      return rows;
    };
    const optional = async <T>(table: string, schema: z.ZodType<T>) =>
      (await this.readTable(table, schema)) ?? [];
    const budgets = await optional('LiteLLM_BudgetTable', budgetRow);
    const models = await optional('LiteLLM_ModelTable', modelAliasesRow);
    return {
      users: await required('LiteLLM_UserTable', userRow),
      teams: await required('LiteLLM_TeamTable', teamRow),
      memberships: await optional('LiteLLM_TeamMembership', membershipRow),
      keys: await required('LiteLLM_VerificationToken', keyRow),
      endUsers: await optional('LiteLLM_EndUserTable', endUserRow),
      organizations: await optional('LiteLLM_OrganizationTable', organizationRow),
      organizationMemberships: await optional(
        'LiteLLM_OrganizationMembership',
        organizationMembershipRow,
      ),
      tags: await optional('LiteLLM_TagTable', tagRow),
      budgets: new Map(budgets.map((b) => [b.budget_id, b])),
      modelAliases: new Map(models.map((m) => [m.id, m.aliases])),
    };
  }

  /** The spend logs in pages, oldest first, over LiteLLM's (startTime, request_id) index. */
  async *spendLogs(pageSize = 2000): AsyncGenerator<SpendLogRow[]> {
    const table = 'LiteLLM_SpendLogs';
    const columns = await this.columnsOf(table, spendLogRow);
    if (columns === undefined) {
      throw new CliError(`--with-spend-logs: the database has no "${table}" table`);
    }
    let after: { start: unknown; id: string } | undefined;
    for (;;) {
      const params: unknown[] = [pageSize];
      let where = '';
      if (after) {
        params.push(after.start, after.id);
        where = 'WHERE ("startTime", request_id) > ($2, $3)';
      }
      // The raw startTime is kept as the cursor: parsed and printed again it could lose precision.
      const result = await this.client.query<Record<string, unknown>>(
        `SELECT ${columns}, "startTime"::text AS cursor_start FROM "${table}" ${where}
         ORDER BY "startTime", request_id LIMIT $1`,
        params,
      );
      if (result.rows.length === 0) return;
      const last = result.rows.at(-1) as Record<string, unknown>;
      after = { start: last.cursor_start, id: String(last.request_id) };
      yield result.rows.map((row) => parseRow(table, spendLogRow, row));
      if (result.rows.length < pageSize) return;
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async readTable<T>(table: string, schema: z.ZodType<T>): Promise<T[] | undefined> {
    const columns = await this.columnsOf(table, schema);
    if (columns === undefined) return undefined;
    const result = await this.client.query<Record<string, unknown>>(
      `SELECT ${columns} FROM "${table}"`,
    );
    return result.rows.map((row) => parseRow(table, schema, row));
  }

  /** The quoted columns of `schema` that the table has; undefined when there is no table. */
  private async columnsOf(table: string, schema: z.ZodType): Promise<string | undefined> {
    const result = await this.client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    );
    if (result.rows.length === 0) return undefined;
    const present = new Set(result.rows.map((r) => r.column_name));
    const wanted = Object.keys((schema as z.ZodObject).shape).filter((c) => present.has(c));
    return wanted.map((c) => `"${c}"`).join(', ');
  }
}

function parseRow<T>(table: string, schema: z.ZodType<T>, row: Record<string, unknown>): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CliError(
    `"${table}": a row does not have LiteLLM's layout (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`,
  );
}

/** Prisma's DateTime is `timestamp(3) without time zone` holding UTC: read it as UTC. */
function typeParser(oid: number, format?: string): (text: string) => unknown {
  if (oid === OID_TIMESTAMP) return (text) => new Date(`${text.replace(' ', 'T')}Z`);
  return pg.types.getTypeParser(oid, format as 'text');
}
