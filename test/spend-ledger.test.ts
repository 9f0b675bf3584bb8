/**
 * The spend ledger on both databases: every booked call is one log row, and the totals of its
 * key, user, team, member, customer and the daily aggregates agree with the log to the cent;
 * a request id is booked once; a passed budget window restarts instead of adding.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { StoreSpendLedger } from '../src/spend/spend-ledger.js';
import * as partialIndexes from '../src/store/migrations/0014-spend-log-partial-indexes.js';
import type { SpendEntry } from '../src/spend/types.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';
import { cents, spendEntry, storedTotals } from './helpers/spend-entries.js';
import { seededRandom } from './helpers/seeded-random.js';
import { counterKey } from '../src/spend/counter-store.js';

const logger = pino({ level: 'silent' });
const NOW = Date.parse('2025-03-01T12:00:00Z');

for (const database of await testDatabases()) {
  describe(`spend ledger on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    const keyHash = sha256('sk-ledger-key');
    const ids = { keyHash, userId: 'u-ledger', teamId: 't-ledger', customerId: 'c-ledger' };

    before(async () => {
      opened = await database.open();
      const { store } = opened;
      await store.users.create(userRecord({ user_id: ids.userId }));
      await store.teams.create(teamRecord({ team_id: ids.teamId }));
      await store.teams.addMember(memberRecord({ team_id: ids.teamId, user_id: ids.userId }));
      await store.keys.create(
        keyRecord({ token: keyHash, user_id: ids.userId, team_id: ids.teamId }),
      );
    });
    after(async () => {
      await opened.close();
    });

    const ledgerOf = (batchSize = 7) =>
      new StoreSpendLedger({ store: opened.store.spend, logger, now: () => NOW, batchSize });

    /** Books one entry through a ledger of its own and reads its spend log row back. */
    const bookAndRead = async (entry: SpendEntry) => {
      const ledger = ledgerOf();
      ledger.book(entry);
      await ledger.close();
      return opened.database.db
        .selectFrom('spend_logs')
        .selectAll()
        .where('request_id', '=', entry.requestId)
        .executeTakeFirstOrThrow();
    };

    it('books every call once to each scope, the log and the daily aggregates agree', async () => {
      const ledger = ledgerOf();
      const random = seededRandom(4);
      let expected = 0;
      for (let i = 0; i < 53; i += 1) {
        const cost = Math.round(random() * 100_000) / 1_000_000;
        expected += cost;
        ledger.book(
          spendEntry({
            cost,
            keyHash,
            userId: ids.userId,
            teamId: ids.teamId,
            customerId: ids.customerId,
            tags: i % 2 === 0 ? ['even', 'all'] : ['all'],
            status: i % 10 === 0 ? 'failure' : 'success',
          }),
        );
      }
      assert.ok(
        ledger.pendingFor(counterKey('key', keyHash)) > 0,
        'queued cost is pending for the key',
      );
      await ledger.close();
      assert.equal(ledger.pendingFor(counterKey('key', keyHash)), 0);
      const totals = await storedTotals(opened, ids);
      const sum = cents(expected);
      assert.deepEqual(totals, {
        logRows: 53,
        logSpend: sum,
        dailySpend: sum,
        dailyRequests: 53,
        key: sum,
        user: sum,
        team: sum,
        member: sum,
        customer: sum,
      });
      const tags = await opened.store.spendReports.tags();
      assert.deepEqual(
        tags.map((t) => [t.tag, t.api_requests]),
        [
          ['all', 53],
          ['even', 27],
        ],
      );
    });

    it('books a request id once, even when it is booked again in a later batch', async () => {
      const before = await storedTotals(opened, ids);
      const entry = spendEntry({ cost: 1.5, keyHash, userId: ids.userId });
      const ledger = ledgerOf();
      ledger.book(entry);
      ledger.book(entry);
      await ledger.flush();
      ledger.book(entry);
      await ledger.close();
      const totals = await storedTotals(opened, ids);
      assert.equal(totals.logRows, before.logRows + 1);
      assert.equal(totals.key, cents(before.key + 1.5));
      assert.equal(totals.user, cents(before.user + 1.5));
      assert.equal(totals.dailySpend, cents(before.dailySpend + 1.5));
    });

    it('stores every value of a log row as booked: quotes, braces, backslashes, nulls, unicode', async () => {
      const awkward = 'a "quoted" {braced}, back\\slash\\ NULL \u00e9\u{1F600}';
      const entry = spendEntry({
        cost: 0.000123456789,
        keyHash,
        userId: ids.userId,
        model: awkward,
        modelGroup: '',
        apiBase: undefined,
        tags: [awkward, 'NULL', ''],
        metadata: { note: awkward, nested: { list: [1, null, '{}'] } },
        promptTokens: 2 ** 40,
        completionTokens: 0,
        totalTokens: 2 ** 40,
      });
      const row = await bookAndRead(entry);
      assert.equal(row.model, awkward);
      assert.equal(row.model_group, '');
      assert.equal(row.api_base, null);
      assert.equal(row.spend, 0.000123456789);
      assert.equal(Number(row.prompt_tokens), 2 ** 40);
      assert.equal(Number(row.completion_tokens), 0);
      assert.deepEqual(JSON.parse(row.request_tags), [awkward, 'NULL', '']);
      const metadata = JSON.parse(row.metadata) as { note: string; nested: unknown };
      assert.equal(metadata.note, awkward);
      assert.deepEqual(metadata.nested, { list: [1, null, '{}'] });
      assert.equal(row.startTime, '2025-03-01T10:00:00.000Z');
    });

    it('writes every column of a log row in its own place', async () => {
      const entry = spendEntry({
        cost: 0.25,
        keyHash,
        keyAlias: 'alias-col',
        userId: ids.userId,
        teamId: ids.teamId,
        customerId: 'customer-col',
        tags: ['tag-col'],
        model: 'model-col',
        modelGroup: 'group-col',
        deploymentId: 'deployment-col',
        provider: 'provider-col',
        apiBase: 'http://base-col',
        promptTokens: 11,
        completionTokens: 22,
        totalTokens: 33,
        startTime: Date.parse('2025-03-01T10:00:00.123Z'),
        endTime: Date.parse('2025-03-01T10:00:04.567Z'),
        status: 'failure',
        cacheKey: 'cache-col',
        callType: 'aembedding',
      });
      const row = await bookAndRead(entry);
      assert.deepEqual(
        {
          ...row,
          total_tokens: Number(row.total_tokens),
          prompt_tokens: Number(row.prompt_tokens),
          completion_tokens: Number(row.completion_tokens),
          request_duration_ms: Number(row.request_duration_ms),
        },
        {
          request_id: entry.requestId,
          call_type: 'aembedding',
          api_key: keyHash,
          spend: 0.25,
          total_tokens: 33,
          prompt_tokens: 11,
          completion_tokens: 22,
          startTime: '2025-03-01T10:00:00.123Z',
          endTime: '2025-03-01T10:00:04.567Z',
          request_duration_ms: 4444,
          model: 'model-col',
          model_id: 'deployment-col',
          model_group: 'group-col',
          custom_llm_provider: 'provider-col',
          api_base: 'http://base-col',
          user: ids.userId,
          team_id: ids.teamId,
          end_user: 'customer-col',
          request_tags: '["tag-col"]',
          metadata: JSON.stringify({
            user_api_key: keyHash,
            user_api_key_alias: 'alias-col',
            user_api_key_user_id: ids.userId,
            user_api_key_team_id: ids.teamId,
            user_api_key_end_user_id: 'customer-col',
          }),
          cache_hit: 'True',
          cache_key: 'cache-col',
          status: 'failure',
        },
      );
    });

    it('keeps apart daily totals whose dimensions differ only in where one ends', async () => {
      // Joined naively, ("a|b", "c") and ("a", "b|c") would be one group; their models too.
      const day = Date.parse('2025-04-02T10:00:00Z');
      const ledger = ledgerOf();
      ledger.book(
        spendEntry({ cost: 1, startTime: day, endTime: day, model: 'm|1:x', modelGroup: 'g' }),
      );
      ledger.book(
        spendEntry({ cost: 2, startTime: day, endTime: day, model: 'm', modelGroup: '1:x|g' }),
      );
      ledger.book(
        spendEntry({ cost: 4, startTime: day, endTime: day, model: 'm', modelGroup: '1:x|g' }),
      );
      // Back to the first group after another one, and the same group on another day.
      ledger.book(
        spendEntry({ cost: 8, startTime: day, endTime: day, model: 'm|1:x', modelGroup: 'g' }),
      );
      const nextDay = day + 86_400_000;
      ledger.book(
        spendEntry({
          cost: 16,
          startTime: nextDay,
          endTime: nextDay,
          model: 'm|1:x',
          modelGroup: 'g',
        }),
      );
      await ledger.close();
      const rows = await opened.database.db
        .selectFrom('daily_spend')
        .select(['model', 'model_group', 'spend', 'api_requests'])
        .where('date', '=', '2025-04-02')
        .orderBy('spend')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.model, r.model_group, r.spend, Number(r.api_requests)]),
        [
          ['m', '1:x|g', 6, 2],
          ['m|1:x', 'g', 9, 2],
        ],
      );
      const next = await opened.database.db
        .selectFrom('daily_spend')
        .select(['model', 'spend'])
        .where('date', '=', '2025-04-03')
        .execute();
      assert.deepEqual(next, [{ model: 'm|1:x', spend: 16 }]);
    });

    it('finds the log rows of a user or customer through their partial indexes', async () => {
      // The indexes by user, team and customer hold only rows that name one; the report's
      // filter says so, or neither database could use them and a report would read every row.
      const { db } = opened.database;
      const plans: [string, string, string][] = [
        ['spend_logs_user_start', `"user" = 'u-x' and "user" <> ''`, 'user'],
        ['spend_logs_team_id_start', `team_id = 't-x'`, 'team'],
        ['spend_logs_end_user_start', `end_user = 'c-x' and end_user <> ''`, 'customer'],
      ];
      for (const [index, where, what] of plans) {
        const query = `select * from spend_logs where ${where} and "startTime" >= '2025-01-01' order by "startTime" desc limit 10`;
        let plan: string;
        if (database.name === 'sqlite') {
          const rows = await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db);
          plan = rows.rows.map((r) => r.detail).join('\n');
        } else {
          plan = await db.transaction().execute(async (trx) => {
            await sql`set local enable_seqscan = off`.execute(trx);
            const rows = await sql.raw<{ 'QUERY PLAN': string }>(`explain ${query}`).execute(trx);
            return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
          });
        }
        assert.match(plan, new RegExp(index), `the ${what} filter uses ${index}:\n${plan}`);
      }
      const definitions =
        database.name === 'sqlite'
          ? await sql<{
              sql: string;
            }>`select sql from sqlite_master where name like 'spend_logs_%_start'`.execute(db)
          : await sql<{
              sql: string;
            }>`select indexdef as sql from pg_indexes where indexname like 'spend_logs_%_start' and schemaname = current_schema()`.execute(
              db,
            );
      const partial = definitions.rows.filter((r) => /where/i.test(r.sql));
      assert.equal(partial.length, 3, definitions.rows.map((r) => r.sql).join('\n'));
    });

    it('keeps every log row through the upgrade to partial indexes, and the reports find them', async () => {
      const { db } = opened.database;
      // The database as the release before migration 0014 left it, with rows of every kind.
      await partialIndexes.down(db as unknown as Kysely<unknown>);
      const day = Date.parse('2025-05-05T10:00:00Z');
      const entries = [
        spendEntry({ cost: 1, startTime: day, endTime: day, userId: 'u-up', teamId: 't-up' }),
        spendEntry({ cost: 2, startTime: day, endTime: day, customerId: 'c-up' }),
        spendEntry({ cost: 4, startTime: day, endTime: day }),
        spendEntry({ cost: 8, startTime: day, endTime: day, userId: 'u-up', customerId: 'c-up' }),
      ];
      const ledger = ledgerOf();
      for (const entry of entries) ledger.book(entry);
      await ledger.close();
      const count = async () =>
        Number(
          (
            await db
              .selectFrom('spend_logs')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      await partialIndexes.up(db as unknown as Kysely<unknown>);
      assert.equal(await count(), before);
      const since = '2025-05-05T00:00:00.000Z';
      const page = { offset: 0, limit: 10 };
      const spendOf = async (filter: Parameters<typeof opened.store.spendReports.logs>[0]) =>
        (await opened.store.spendReports.logs({ since, ...filter }, page)).rows
          .map((r) => r.spend)
          .sort((a, b) => a - b);
      assert.deepEqual(await spendOf({ userId: 'u-up' }), [1, 8]);
      assert.deepEqual(await spendOf({ teamId: 't-up' }), [1]);
      assert.deepEqual(await spendOf({ endUser: 'c-up' }), [2, 8]);
      assert.deepEqual(
        await spendOf({ userId: '', endUser: '', until: '2025-05-06T00:00:00.000Z' }),
        [4],
      );
    });

    it('starts a new budget window instead of adding once the stored one has passed', async () => {
      const rolling = sha256('sk-rolling');
      await opened.store.keys.create(
        keyRecord({
          token: rolling,
          spend: 7,
          budget_duration: '1d',
          budget_reset_at: '2025-02-27T00:00:00.000Z',
        }),
      );
      const ledger = ledgerOf();
      ledger.book(spendEntry({ cost: 0.25, keyHash: rolling }));
      ledger.book(spendEntry({ cost: 0.5, keyHash: rolling }));
      await ledger.flush();
      ledger.book(spendEntry({ cost: 1, keyHash: rolling }));
      await ledger.close();
      const key = await opened.store.keys.findByHash(rolling);
      assert.equal(
        key?.spend,
        1.75,
        'the old window’s 7 is gone; this window holds 0.25 + 0.5 + 1',
      );
      assert.equal(key?.budget_reset_at, '2025-03-02T00:00:00.000Z');
    });

    it('logs a failed call that cost nothing without touching any total or making its customer', async () => {
      const ledger = ledgerOf();
      const entry = spendEntry({
        cost: 0,
        keyHash,
        userId: ids.userId,
        teamId: ids.teamId,
        customerId: 'never-served',
        status: 'failure',
      });
      const before = await storedTotals(opened, ids);
      ledger.book(entry);
      await ledger.close();
      const logs = await opened.store.spendReports.logs(
        { requestId: entry.requestId },
        { offset: 0, limit: 10 },
      );
      assert.equal(logs.rows.length, 1, 'the failure is logged');
      assert.equal(await opened.store.customers.findById('never-served'), undefined);
      const after = await storedTotals(opened, ids);
      assert.equal(after.logRows, before.logRows + 1);
      assert.equal(after.dailyRequests, before.dailyRequests + 1, 'counted as a failed call');
      assert.deepEqual(
        { ...after, logRows: 0, dailyRequests: 0 },
        { ...before, logRows: 0, dailyRequests: 0 },
      );
    });

    it("keeps a team member's spend by window when its budget resets", async () => {
      const member = { keyHash, userId: ids.userId, teamId: ids.teamId };
      const day1 = '2025-03-02T00:00:00.000Z';
      const day2 = '2025-03-03T00:00:00.000Z';
      const book = async (cost: number, memberResetAt?: string) => {
        const ledger = ledgerOf();
        ledger.book(spendEntry({ cost, ...member, memberResetAt }));
        await ledger.close();
      };
      const stored = async () => {
        const row = await opened.store.teams.findMember(ids.teamId, ids.userId);
        return [cents(row?.spend ?? NaN), row?.budget_reset_at];
      };
      const before = (await opened.store.teams.findMember(ids.teamId, ids.userId))!.spend;
      await book(0.5);
      assert.deepEqual(await stored(), [cents(before + 0.5), null], 'no window: added');
      await book(0.25, day1);
      assert.deepEqual(
        await stored(),
        [cents(before + 0.75), day1],
        'the first window keeps the spend there was',
      );
      await book(0.125, day1);
      assert.deepEqual(await stored(), [cents(before + 0.875), day1], 'added in its window');
      await book(2, day2);
      assert.deepEqual(await stored(), [cents(2), day2], 'a later window starts over');
      await book(4, day1);
      assert.deepEqual(await stored(), [cents(2), day2], 'a late one is left out');
    });

    it("keeps a key's spend per budgeted model by window: adds, restarts, ignores late ones", async () => {
      const token = sha256('sk-per-model');
      await opened.store.keys.create(keyRecord({ token }));
      const day1 = '2025-03-02T00:00:00.000Z';
      const day2 = '2025-03-03T00:00:00.000Z';
      const book = async (cost: number, model: string, resetAt: string | null) => {
        const ledger = ledgerOf();
        ledger.book(spendEntry({ cost, keyHash: token, modelBudget: { model, resetAt } }));
        await ledger.close();
      };
      const stored = async () =>
        Object.fromEntries(
          (await opened.store.keys.findModelSpend(token)).map((r) => [
            r.model,
            [cents(r.spend), r.budget_reset_at],
          ]),
        );

      await book(0.25, 'gpt-4o', day1);
      await book(0.5, 'gpt-4o', day1);
      await book(1, 'mini', null);
      await book(2, 'mini', null);
      await book(4, 'gpt-4o', day1);
      // An entry booked without a model budget touches no per-model row.
      const ledger = ledgerOf();
      ledger.book(spendEntry({ cost: 8, keyHash: token }));
      await ledger.close();
      assert.deepEqual(await stored(), {
        'gpt-4o': [cents(4.75), day1],
        mini: [cents(3), null],
      });

      await book(0.125, 'gpt-4o', day2);
      assert.deepEqual((await stored())['gpt-4o'], [cents(0.125), day2], 'a new window');
      await book(16, 'gpt-4o', day1);
      assert.deepEqual((await stored())['gpt-4o'], [cents(0.125), day2], 'late: left alone');
      await book(0.5, 'mini', day2);
      assert.deepEqual((await stored()).mini, [cents(0.5), day2], 'a period was set');
      await book(0.25, 'mini', null);
      assert.deepEqual((await stored()).mini, [cents(0.25), null], 'the period was removed');
    });
  });
}
