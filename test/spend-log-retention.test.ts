/**
 * Spend log retention (`general_settings.maximum_spend_logs_retention_period`, LiteLLM's
 * settings): rows older than the period are deleted in batches, on the interval or cron schedule,
 * by one replica at a time in cluster mode; the totals of keys and the daily aggregates the reports
 * read stay as they were. On SQLite and PostgreSQL, with the official OpenAI SDK as the client.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { redisLock } from '../src/cluster/cluster-lock.js';
import type { SpendLogRetentionSettings } from '../src/config/spend-log-settings.js';
import { toSpendRow } from '../src/spend/spend-ledger.js';
import { SpendLogRetention, type RetentionStore } from '../src/spend/spend-log-retention.js';
import { adminClient } from './helpers/admin-client.js';
import { eventually, TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/cluster.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { pricedModel } from './helpers/priced-models.js';
import { cents, spendEntry } from './helpers/spend-entries.js';

const DAY_MS = 86_400_000;
const silent = { info() {}, warn() {}, error() {} };

function settings(overrides: Partial<SpendLogRetentionSettings> = {}): SpendLogRetentionSettings {
  return {
    logs: { period: { amount: 30, unit: 'd' }, text: '30d' },
    intervalMs: DAY_MS,
    maxBatches: 500,
    ...overrides,
  };
}

async function logCount(opened: OpenedTestStore): Promise<number> {
  const row = await opened.database.db
    .selectFrom('spend_logs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function dailyTotals(opened: OpenedTestStore): Promise<{ spend: number; requests: number }> {
  const row = await opened.database.db
    .selectFrom('daily_spend')
    .select((eb) => [eb.fn.sum<number>('spend').as('s'), eb.fn.sum<number>('api_requests').as('n')])
    .executeTakeFirstOrThrow();
  return { spend: cents(Number(row.s ?? 0)), requests: Number(row.n ?? 0) };
}

for (const database of await testDatabases()) {
  describe(`spend log retention on ${database.name}`, { skip: database.skip }, () => {
    let opened: OpenedTestStore;

    before(async () => {
      opened = await database.open();
    });
    after(async () => {
      await opened?.close();
    });

    /** Books calls that started `daysAgo` days before `now`, tagged `tag`. */
    async function book(count: number, daysAgo: number, now: number, tag = 'team-a') {
      const start = now - daysAgo * DAY_MS;
      const rows = Array.from({ length: count }, () =>
        toSpendRow(
          spendEntry({ startTime: start, endTime: start + 1000, tags: [tag], cost: 0.01 }),
        ),
      );
      await opened.store.spend.record(rows, now);
    }

    it('deletes only the rows older than the period, in batches, and keeps the daily totals', async () => {
      const now = Date.now();
      await book(10, 45, now);
      await book(3, 29, now);
      const before = await dailyTotals(opened);
      const job = new SpendLogRetention({
        store: opened.store.spend,
        settings: settings(),
        logger: silent,
        now: () => now,
        batchSize: 4,
        pauseMs: 0,
      });
      const run = await job.run();
      assert.deepEqual(run, { ran: true, logsDeleted: 10, dailyTagRowsDeleted: 0, more: false });
      assert.equal(await logCount(opened), 3);
      // The reports' daily totals, and so every report over the old days, are unchanged.
      assert.deepEqual(await dailyTotals(opened), before);
      // A second run finds nothing more to delete.
      assert.equal((await job.run()).logsDeleted, 0);
      assert.equal(await logCount(opened), 3);
    });

    it('stops at SPEND_LOG_RUN_LOOPS batches and goes on at the next run', async () => {
      const now = Date.now();
      const kept = await logCount(opened);
      await book(10, 100, now);
      const job = new SpendLogRetention({
        store: opened.store.spend,
        settings: settings({ maxBatches: 2 }),
        logger: silent,
        now: () => now,
        batchSize: 4,
        pauseMs: 0,
      });
      assert.deepEqual(await job.run(), {
        ran: true,
        logsDeleted: 8,
        dailyTagRowsDeleted: 0,
        more: true,
      });
      assert.equal(await logCount(opened), kept + 2);
      assert.equal((await job.run()).logsDeleted, 2);
      assert.equal(await logCount(opened), kept);
    });

    it('deletes per-tag daily totals older than maximum_daily_tag_spend_retention_period', async () => {
      const now = Date.now();
      await book(2, 200, now, 'old-campaign');
      await book(2, 10, now, 'new-campaign');
      const tagDays = () =>
        opened.database.db.selectFrom('daily_tag_spend').select(['tag', 'date']).execute();
      assert.ok((await tagDays()).some((r) => r.tag === 'old-campaign'));
      const job = new SpendLogRetention({
        store: opened.store.spend,
        settings: settings({
          logs: undefined,
          dailyTags: { period: { amount: 3, unit: 'mo' }, text: '3mo' },
        }),
        logger: silent,
        now: () => now,
      });
      const run = await job.run();
      assert.equal(run.logsDeleted, 0, 'no spend log period: the log is not touched');
      assert.ok(run.dailyTagRowsDeleted >= 1);
      const left = await tagDays();
      assert.ok(!left.some((r) => r.tag === 'old-campaign'));
      assert.ok(left.some((r) => r.tag === 'new-campaign'));
      // The spend log rows of the old campaign are still there (no log period was set).
      assert.ok((await logCount(opened)) >= 4);
    });
  });

  describe(
    `a gateway with maximum_spend_logs_retention_period on ${database.name}`,
    {
      skip: database.skip,
    },
    () => {
      let opened: OpenedTestStore;
      let gateway: TestGateway;

      before(async () => {
        opened = await database.open();
        gateway = await startGateway(
          {
            model_list: [pricedModel('gpt-4')],
            general_settings: {
              master_key: MASTER_KEY,
              maximum_spend_logs_retention_period: '30d',
              // Every second (croner reads a sixth field as seconds), so the test need not wait a day.
              maximum_spend_logs_cleanup_cron: '* * * * * *',
            },
          },
          { store: opened.store },
        );
      });
      after(async () => {
        await gateway?.close();
        await opened?.close();
      });

      it('deletes old rows in the background; key spend, /spend/logs of recent days and reports stay', async () => {
        const api = adminClient(gateway.url, MASTER_KEY);
        const generated = await api.post('/key/generate', { models: ['gpt-4'] });
        assert.equal(generated.status, 200);
        const key = (generated.body as { key: string }).key;
        const keyHash = createHash('sha256').update(key).digest('hex');
        // Forty days ago, this key made five calls (as a LiteLLM database brought over would hold).
        const now = Date.now();
        const old = now - 40 * DAY_MS;
        await opened.store.spend.record(
          Array.from({ length: 5 }, () =>
            toSpendRow(
              spendEntry({
                keyHash,
                startTime: old,
                endTime: old + 500,
                cost: 0.25,
                model: 'gpt-4',
              }),
            ),
          ),
          now,
        );
        const sdk = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
        for (let i = 0; i < 2; i++) {
          await sdk.chat.completions.create({
            model: 'gpt-4',
            messages: [{ role: 'user', content: 'hi' }],
          });
        }
        await gateway.app.ledger?.flush();

        const rowsOfKey = async () => {
          const r = await api.get(`/spend/logs?api_key=${keyHash}`);
          assert.equal(r.status, 200);
          return r.body as { request_id: string; startTime: string }[];
        };
        assert.ok(
          await eventually(async () => (await rowsOfKey()).length === 2, 10_000),
          'the five old rows are deleted within a few seconds',
        );
        const recent = await rowsOfKey();
        assert.ok(recent.every((r) => Date.parse(r.startTime) > now - DAY_MS));

        // The key's spend still counts the old calls: only the per-call rows went.
        const info = await api.get(`/key/info?key=${key}`);
        const spend = Number((info.body as { info: { spend: number } }).info.spend);
        assert.ok(spend >= 1.25, `key spend ${spend} keeps the 5 × $0.25 of the deleted rows`);
        // The spend report over the old day reads the daily totals: still there.
        const day = new Date(old).toISOString().slice(0, 10);
        const report = await api.get(
          `/global/spend/report?start_date=${day}&end_date=${day}&group_by=api_key`,
        );
        assert.equal(report.status, 200);
        assert.match(JSON.stringify(report.body), /1\.25/);
      });
    },
  );
}

describe('spend log retention across replicas (Redis lock)', () => {
  let redis: Redis;
  const prefix = uniqueRedisPrefix();

  before(() => {
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** A store whose first delete waits until `release` is called. */
  function slowStore(): RetentionStore & { release(): void; deletes: number } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = {
      deletes: 0,
      release,
      async deleteLogsBefore() {
        store.deletes += 1;
        await gate;
        return 0;
      },
      async deleteDailyTagSpendBefore() {
        return 0;
      },
    };
    return store;
  }

  it('runs on one replica at a time, and on the next once the first is done', async () => {
    const lockKey = `${prefix}spend-log-retention`;
    const first = slowStore();
    const second = slowStore();
    second.release();
    const replica = (store: RetentionStore) =>
      new SpendLogRetention({
        store,
        settings: settings(),
        logger: silent,
        lock: redisLock(redis, lockKey),
      });
    const a = replica(first);
    const b = replica(second);
    const running = a.run();
    await eventually(async () => first.deletes === 1);
    assert.equal(await redis.exists(lockKey), 1, 'the running replica holds the lock');
    assert.equal((await b.run()).ran, false, 'the other replica skips its run');
    assert.equal(second.deletes, 0);
    first.release();
    assert.equal((await running).ran, true);
    assert.equal(await redis.exists(lockKey), 0, 'the lock is released when the run ends');
    assert.equal((await b.run()).ran, true);
    assert.equal(second.deletes, 1);
  });

  it('runs without the lock when Redis does not answer, and says so', async () => {
    const warnings: string[] = [];
    const store = slowStore();
    store.release();
    const job = new SpendLogRetention({
      store,
      settings: settings(),
      logger: {
        ...silent,
        warn: (...args: unknown[]) => void warnings.push(String(args[1])),
      },
      lock: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    });
    assert.equal((await job.run()).ran, true);
    assert.equal(store.deletes, 1);
    assert.match(warnings.join('\n'), /could not take the cluster lock; running without it/);
  });

  it('stops after the batch in progress when the gateway closes', async () => {
    let deletes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const job = new SpendLogRetention({
      store: {
        async deleteLogsBefore(_cutoff, limit) {
          deletes += 1;
          await gate;
          return limit; // a full batch: more would follow
        },
        async deleteDailyTagSpendBefore() {
          return 0;
        },
      },
      settings: settings(),
      logger: silent,
      pauseMs: 0,
    });
    const running = job.run();
    await eventually(async () => deletes === 1);
    const stopped = job.stop();
    release();
    await stopped;
    const run = await running;
    assert.equal(deletes, 1, 'no batch after the stop');
    assert.equal(run.logsDeleted, 1000);
  });
});

describe('spend log retention job', () => {
  it('deletes in statements of deleteSize rows, up to SPEND_LOG_RUN_LOOPS batches of batchSize', async () => {
    const sizes: number[] = [];
    let left = 11;
    const job = new SpendLogRetention({
      store: {
        async deleteLogsBefore(_cutoff, limit) {
          sizes.push(limit);
          const deleted = Math.min(limit, left);
          left -= deleted;
          return deleted;
        },
        async deleteDailyTagSpendBefore() {
          return 0;
        },
      },
      settings: settings({ maxBatches: 2 }),
      logger: silent,
      batchSize: 4,
      deleteSize: 3,
      pauseMs: 0,
    });
    const first = await job.run();
    assert.deepEqual(sizes, [3, 3, 2], 'three statements for the run limit of 2 × 4 rows');
    assert.deepEqual([first.logsDeleted, first.more], [8, true]);
    const second = await job.run();
    assert.deepEqual([second.logsDeleted, second.more], [3, false]);
    assert.equal(left, 0);
  });
});

describe('spend log retention when the database fails', () => {
  it('rejects the run, logs nothing as deleted, and the next run deletes', async () => {
    let down = true;
    let deletes = 0;
    const job = new SpendLogRetention({
      store: {
        async deleteLogsBefore() {
          if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          deletes += 1;
          return 0;
        },
        async deleteDailyTagSpendBefore() {
          return 0;
        },
      },
      settings: settings(),
      logger: silent,
      pauseMs: 0,
    });
    await assert.rejects(job.run(), /ECONNREFUSED/);
    down = false;
    assert.equal((await job.run()).ran, true);
    assert.equal(deletes, 1);
  });
});
