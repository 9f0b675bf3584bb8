/**
 * `general_settings.disable_spend_logs` and `disable_error_logs` (LiteLLM's settings): calls are
 * priced and booked to every total and the daily aggregates as always, without a spend log row
 * (for any call, or for failed ones). Booking stays exactly once without the row's request id to
 * recognise a batch sent again: a batch's own id does it. On SQLite and PostgreSQL, with the
 * official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import pino from 'pino';
import { StoreSpendLedger, type SpendWriter } from '../src/spend/spend-ledger.js';
import { adminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { pricedModel } from './helpers/priced-models.js';
import { keyRecord, memberRecord, sha256, teamRecord, userRecord } from './helpers/records.js';
import { cents, spendEntry, storedTotals } from './helpers/spend-entries.js';

async function batchRows(opened: OpenedTestStore): Promise<number> {
  const row = await opened.database.db
    .selectFrom('spend_batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const database of await testDatabases()) {
  describe(`spend without log rows on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;

    before(async () => {
      opened = await database.open();
    });
    after(async () => {
      await opened?.close();
    });

    async function scopes(suffix: string) {
      const ids = {
        keyHash: sha256(`sk-${suffix}`),
        userId: `u-${suffix}`,
        teamId: `t-${suffix}`,
        customerId: `c-${suffix}`,
      };
      await opened.store.users.create(userRecord({ user_id: ids.userId }));
      await opened.store.teams.create(teamRecord({ team_id: ids.teamId }));
      await opened.store.teams.addMember(
        memberRecord({ team_id: ids.teamId, user_id: ids.userId }),
      );
      await opened.store.keys.create(
        keyRecord({ token: ids.keyHash, user_id: ids.userId, team_id: ids.teamId }),
      );
      return ids;
    }

    it('books every call once to every scope when commits are lost and batches re-sent', async () => {
      const ids = await scopes('nolog');
      let attempts = 0;
      let lostAcks = 0;
      let refusedBefore = 0;
      const writer: SpendWriter = {
        record: async (rows, now, options) => {
          attempts += 1;
          // Every third attempt fails before committing, every fourth commits and is not heard of.
          if (attempts % 3 === 0) {
            refusedBefore += 1;
            throw new Error('connection reset before commit');
          }
          const added = await opened.store.spend.record(rows, now, options);
          if (attempts % 4 === 0) {
            lostAcks += 1;
            throw new Error('connection lost after commit');
          }
          return added;
        },
      };
      const ledger = new StoreSpendLedger({
        store: writer,
        logger: pino({ level: 'silent' }),
        intervalMs: 5,
        minGapMs: 1,
        batchSize: 6,
        minBackoffMs: 1,
        maxBackoffMs: 5,
        logs: { successes: false, failures: false },
      });
      let expected = 0;
      for (let i = 0; i < 80; i += 1) {
        const cost = (i % 5) * 0.0107 + 0.0002;
        expected += cost;
        ledger.book(
          spendEntry({
            cost,
            keyHash: ids.keyHash,
            userId: ids.userId,
            teamId: ids.teamId,
            customerId: ids.customerId,
          }),
        );
        if (i % 9 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await ledger.flush();
      await ledger.close();
      assert.ok(lostAcks >= 2 && refusedBefore >= 2, `lost ${lostAcks}, refused ${refusedBefore}`);
      const sum = cents(expected);
      assert.deepEqual(await storedTotals(opened, ids), {
        logRows: 0,
        logSpend: 0,
        dailySpend: sum,
        dailyRequests: 80,
        key: sum,
        user: sum,
        team: sum,
        member: sum,
        customer: sum,
      });
      // The ids of acknowledged batches are forgotten: only the last one is left.
      assert.ok((await batchRows(opened)) <= 1);
    });

    it('disable_error_logs: failed calls are counted in the daily totals, without a row', async () => {
      const ids = await scopes('noerrors');
      const ledger = new StoreSpendLedger({
        store: opened.store.spend,
        logger: pino({ level: 'silent' }),
        logs: { successes: true, failures: false },
      });
      const requestIds: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const entry = spendEntry({
          cost: i % 2 === 0 ? 0.01 : 0,
          status: i % 2 === 0 ? 'success' : 'failure',
          keyHash: ids.keyHash,
        });
        requestIds.push(entry.requestId);
        ledger.book(entry);
      }
      await ledger.close();
      const rows = await opened.database.db
        .selectFrom('spend_logs')
        .select(['request_id', 'status'])
        .where('api_key', '=', ids.keyHash)
        .execute();
      assert.deepEqual(rows.map((r) => r.status).sort(), ['success', 'success', 'success']);
      const daily = await opened.database.db
        .selectFrom('daily_spend')
        .select(['api_requests', 'successful_requests', 'failed_requests', 'spend'])
        .where('api_key', '=', ids.keyHash)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [
          Number(daily.api_requests),
          Number(daily.successful_requests),
          Number(daily.failed_requests),
        ],
        [6, 3, 3],
      );
      assert.equal(cents(Number(daily.spend)), 0.03);
    });
  });

  describe(`a gateway with disable_spend_logs on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;
    let gateway: TestGateway;

    before(async () => {
      opened = await database.open();
      gateway = await startGateway(
        {
          model_list: [
            pricedModel('gpt-4'),
            // Nothing listens there: every call to it fails.
            {
              model_name: 'down',
              litellm_params: { model: 'openai/down', api_base: 'http://127.0.0.1:9/v1' },
            },
          ],
          general_settings: { master_key: MASTER_KEY, disable_spend_logs: true },
          router_settings: { num_retries: 0 },
        },
        { store: opened.store },
      );
    });
    after(async () => {
      await gateway?.close();
      await opened?.close();
    });

    it('books the spend of each call to its key and the reports, and writes no log row', async () => {
      const api = adminClient(gateway.url, MASTER_KEY);
      const generated = await api.post('/key/generate', { max_budget: 10 });
      const key = (generated.body as { key: string }).key;
      const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      let charged = 0;
      for (let i = 0; i < 3; i++) {
        const { response } = await sdk.chat.completions
          .create({ model: 'gpt-4', messages: [{ role: 'user', content: `call ${i}` }] })
          .withResponse();
        charged += Number(response.headers.get('x-litellm-response-cost'));
      }
      await assert.rejects(
        sdk.chat.completions.create({ model: 'down', messages: [{ role: 'user', content: 'x' }] }),
      );
      assert.ok(charged > 0);
      await gateway.app.ledger?.flush();

      const info = await api.get(`/key/info?key=${key}`);
      assert.equal(
        cents(Number((info.body as { info: { spend: number } }).info.spend)),
        cents(charged),
      );
      const keyHash = createHash('sha256').update(key).digest('hex');
      const logs = await api.get(`/spend/logs?api_key=${keyHash}`);
      assert.deepEqual(logs.body, [], 'no spend log row for any call, failed or not');
      const today = new Date().toISOString().slice(0, 10);
      const report = await api.get(
        `/global/spend/report?start_date=${today}&end_date=${today}&group_by=api_key`,
      );
      assert.equal(report.status, 200);
      assert.match(JSON.stringify(report.body), new RegExp(String(cents(charged)).slice(0, 6)));
    });
  });
}
