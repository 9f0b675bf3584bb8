/** Spend entries for ledger and report tests, and the totals a test reads back from the store. */
import type { SpendEntry } from '../../src/spend/types.js';
import type { OpenedTestStore } from './databases.js';

let sequence = 0;

export function spendEntry(overrides: Partial<SpendEntry> = {}): SpendEntry {
  sequence += 1;
  return {
    requestId: `req-${process.pid}-${sequence}`,
    callType: 'acompletion',
    tags: [],
    model: 'gpt-4o-mini',
    modelGroup: 'gpt-4o-mini',
    deploymentId: 'dep-1',
    provider: 'openai',
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    cost: 0.0123,
    startTime: Date.parse('2025-03-01T10:00:00Z'),
    endTime: Date.parse('2025-03-01T10:00:01Z'),
    status: 'success',
    metadata: {},
    ...overrides,
  };
}

/** Rounded to a hundredth of a cent: the totals must agree with the log to the cent. */
export const cents = (usd: number): number => Math.round(usd * 10_000) / 10_000;

export interface StoredTotals {
  logRows: number;
  logSpend: number;
  dailySpend: number;
  dailyRequests: number;
  key: number;
  user: number;
  team: number;
  member: number;
  customer: number;
}

/** The spend of one key / user / team / member / customer, and the log and aggregate sums. */
export async function storedTotals(
  opened: OpenedTestStore,
  ids: { keyHash: string; userId: string; teamId: string; customerId: string },
): Promise<StoredTotals> {
  const { db } = opened.database;
  const log = await db
    .selectFrom('spend_logs')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('spend').as('s')])
    .executeTakeFirstOrThrow();
  const daily = await db
    .selectFrom('daily_spend')
    .select((eb) => [eb.fn.sum<number>('spend').as('s'), eb.fn.sum<number>('api_requests').as('n')])
    .executeTakeFirstOrThrow();
  const spendOf = async (
    table: 'keys' | 'users' | 'teams' | 'customers',
    column: 'token' | 'user_id' | 'team_id',
    id: string,
  ): Promise<number> => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- four tables, one shape
    const row = (await (db as any)
      .selectFrom(table)
      .select('spend')
      .where(column, '=', id)
      .executeTakeFirst()) as { spend: number } | undefined;
    return cents(Number(row?.spend ?? NaN));
  };
  const member = await db
    .selectFrom('team_members')
    .select('spend')
    .where('team_id', '=', ids.teamId)
    .where('user_id', '=', ids.userId)
    .executeTakeFirst();
  return {
    logRows: Number(log.n),
    logSpend: cents(Number(log.s ?? 0)),
    dailySpend: cents(Number(daily.s ?? 0)),
    dailyRequests: Number(daily.n ?? 0),
    key: await spendOf('keys', 'token', ids.keyHash),
    user: await spendOf('users', 'user_id', ids.userId),
    team: await spendOf('teams', 'team_id', ids.teamId),
    member: cents(Number(member?.spend ?? NaN)),
    customer: await spendOf('customers', 'user_id', ids.customerId),
  };
}
